using System;
using System.IO;
using System.Management.Automation;
using VisionPS.Core.Imaging;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Reads image headers (format, size, orientation) without decoding pixels.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "VisionImageInfo", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(VisionImageInfo))]
    public sealed class GetVisionImageInfoCommand : PSCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        /// <summary>Image files; wildcards are expanded.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Image files, taken literally; binds from Get-ChildItem output.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        protected override void ProcessRecord()
        {
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (string file in ImagePathResolver.Resolve(this, literal ? LiteralPath : Path, literal))
            {
                try
                {
                    ImageHeader header = ImageProbe.Probe(file);
                    WriteObject(new VisionImageInfo(file, header));
                }
                catch (Exception ex) when (ex is ImageProcessingException || ex is InvalidDataException || ex is IOException || ex is UnauthorizedAccessException)
                {
                    WriteError(ErrorIds.Create(ex, ErrorIds.ImageDecodeFailed, ErrorCategory.InvalidData, file,
                        $"Cannot read the image header of '{file}': {ex.Message}"));
                }
            }
        }
    }
}
