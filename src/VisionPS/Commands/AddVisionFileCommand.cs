using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>
    /// Uploads images with purpose 'vision' (Files API), prepared so the service accepts them.
    /// </summary>
    /// <remarks>
    /// Add-VisionFile prepares each image as ConvertTo-VisionImage does (so a HEIC, TIFF or sideways photo arrives as an
    /// upright PNG or JPEG) and uploads it to the Files API with purpose 'vision', optionally expiring after
    /// -ExpiresAfter. The output is the stored file (Id, FileName, Bytes, Purpose, ExpiresAt); use the Id in
    /// requests that take a file_id, and Remove-VisionFile to delete it. Each upload asks ShouldProcess.
    /// <para>A run that does not get to its end (Ctrl+C, -ErrorAction Stop at a later image's error) hands a variable
    /// ($files = Add-VisionFile ...) none of its output, so a warning names the files it had uploaded, with the
    /// Remove-VisionFile command that removes them.</para>
    /// </remarks>
    /// <example>
    /// <code>Get-ChildItem scans/*.tiff | Add-VisionFile -ExpiresAfter (New-TimeSpan -Days 1)</code>
    /// <para>Uploads every TIFF scan (as PNG or JPEG) for one day.</para>
    /// </example>
    /// <example>
    /// <code>$file = Add-VisionFile -Image photo.jpg; $file.Id</code>
    /// <para>Uploads one photo and shows its file id.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Add, "VisionFile", HelpUri = ProjectLinks.HelpUri, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(VisionFile))]
    public sealed class AddVisionFileCommand : ImageInputCmdlet
    {
        /// <summary>Images: VisionImage objects, paths (wildcards allowed) or Get-ChildItem items.</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNull]
        public override object[] Image { get; set; } = Array.Empty<object>();

        /// <summary>When the service deletes the uploaded files, 1 hour to 30 days, such as (New-TimeSpan -Days 1); default: never.</summary>
        [Parameter]
        [PSDefaultValue(Help = "None: never")]
        [Infrastructure.ValidateTimeSpan(3600, 30 * 86400)] // the Files API takes 1 hour to 30 days
        public TimeSpan ExpiresAfter { get; set; }

        protected override void EndProcessing()
        {
            if (WarnWhenNoImage("nothing was uploaded"))
            {
                return;
            }
            PrepareOptions options = PrepareParameters.Build(AskedModel, ImageDetail.Auto, GivenMaxSide, null, allowPartial: AllowPartial);
            TimeSpan? expires = MyInvocation.BoundParameters.ContainsKey(nameof(ExpiresAfter)) ? ExpiresAfter : null;
            using var client = new VisionClient(Connection);
            RunAsync(cancel => Task.Run(() => UploadAsync(client, options, expires, cancel), cancel), UploadedBeforeTheEnd);
        }

        // The files uploaded so far (id and source), in upload order: written to the pipeline, but a run that ends early
        // ($files = Add-VisionFile ... stopped by Ctrl+C or -ErrorAction Stop) hands the caller none of them.
        private readonly System.Collections.Concurrent.ConcurrentQueue<(string Id, string Source)> _uploaded = new System.Collections.Concurrent.ConcurrentQueue<(string Id, string Source)>();

        /// <summary>The warning for a run that ended early after uploading files: their ids, and how to remove them.</summary>
        private string? UploadedBeforeTheEnd()
        {
            if (_uploaded.IsEmpty)
            {
                return null;
            }
            var files = _uploaded.ToArray();
            return $"Add-VisionFile did not run to its end (stopped, or ended by an error), and the {files.Length} file(s) it had uploaded stay on the service: "
                + string.Join(", ", files.Select(f => $"{f.Id} ({f.Source})"))
                + $". Use their ids, or remove them with: Remove-VisionFile {string.Join(", ", files.Select(f => f.Id))}";
        }

        private async Task UploadAsync(VisionClient client, PrepareOptions options, TimeSpan? expires, CancellationToken cancel)
        {
            bool anyUsable = false;
            foreach ((ImageWork work, VisionImage? image, ErrorRecord? error) in ImageInputs.Prepare(Work, options, cancel, EmitProgress, "Add-VisionFile: preparing and uploading images"))
            {
                if (image?.Prepared is null)
                {
                    string message = $"'{work.Source}' is a URL; only local images are uploaded. Download it first (ConvertTo-VisionImage -Uri ... -Download).";
                    EmitError(error ?? ErrorIds.Create(new ArgumentException(message), ErrorIds.InvalidImageInput, ErrorCategory.InvalidArgument, work.Source, message));
                    continue;
                }
                anyUsable = true;
                PrepareParameters.Report(image, EmitVerbose, EmitWarning); // partial image, first frame, reduced to fit
                string name = AddAssistantImageCommand.UploadName(image);
                if (!await ShouldProcessAsync($"{image.Source} ({image.MimeType}, {image.Length} bytes) as {name}", "Upload with purpose 'vision'").ConfigureAwait(false))
                {
                    continue;
                }
                try
                {
                    VisionFile file = await client.UploadFileAsync(image.Prepared.Bytes, name, "vision", expires, cancel).ConfigureAwait(false);
                    _uploaded.Enqueue((file.Id, image.Source));
                    Emit(file);
                }
                catch (OpenAIRequestException ex)
                {
                    EmitError(ErrorIds.ForUpload(ex, image.Source));
                }
            }
            if (!anyUsable)
            {
                // Images were given (else EndProcessing warned already), and each has had its error.
                EmitWarning("None of the images given could be used, so nothing was uploaded (see the errors above).");
            }
        }
    }
}
