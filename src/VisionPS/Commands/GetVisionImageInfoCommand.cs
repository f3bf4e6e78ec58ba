using System;
using System.IO;
using System.Management.Automation;
using VisionPS.Core.Imaging;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>Reads the format, size and EXIF orientation of image files from their headers, and whether each would be sent as it is.</summary>
    /// <remarks>
    /// <para>Get-VisionImageInfo opens each file, reads only its first bytes and the codec header, and returns one
    /// VisionPS.VisionImageInfo object per image: the full path, the container format recognised from the file's magic
    /// bytes (never from its extension), the stored width and height in pixels, and the EXIF orientation (1 is upright;
    /// 5 to 8 mean the picture is shown turned a quarter, so what a viewer shows is the stored width and height swapped,
    /// as with most phone photos taken in portrait).</para>
    /// <para>It also says, for -Model and -Detail (and -MaxSide, default 2048), whether the file would be sent as it is
    /// (WouldPassThrough), the size it would be sent at (TargetWidth, TargetHeight) and the image tokens that costs
    /// (EstimatedTokens), so a folder can be costed before anything is sent. A progress bar counts the files read.</para>
    /// <para>WouldPassThrough is the verdict ConvertTo-VisionImage and Send-VisionChat reach with the same -Model, -Detail
    /// and -MaxSide, by the same code: True when the file's own bytes are sent, False when it is re-encoded. A file whose
    /// header rules that out (larger than the target, turned by its EXIF orientation, animated, 16-bit, CMYK, a format
    /// the API does not take) is read no further. A file that may be sent as it is is read whole and checked as preparing
    /// checks it: its colour profile, that the whole file is intact (a PNG's chunks and zlib stream, a JPEG's scans, a
    /// GIF or WebP decoded), and, when it declares transparency, that some pixel uses it: an RGBA PNG whose every pixel
    /// is opaque, or a palette whose transparent entry no pixel uses, is re-encoded (False).</para>
    /// <para>Such a file that is damaged writes the ImageDamaged error ConvertTo-VisionImage writes for it, naming the
    /// file and the damage, and no object (it would not be sent); the other files are still read. Damage in a file that
    /// is re-encoded anyway is not looked for here: preparing finds it.</para>
    /// <para>Only files that may be sent as they are are read past their header, so it stays fast enough for folders of
    /// thousands of photos, and it is the quick way to find what a model would be sent before preparing or sending
    /// anything.</para>
    /// <para>FrameCount counts an animation's frames, and a multi-page TIFF's pages (also in Pages); only the first
    /// frame or page is sent. IsAnimated is true for animations only.</para>
    /// <para>Use -Path for paths with wildcards and -LiteralPath for exact paths; Get-ChildItem and Get-Item output binds
    /// to -LiteralPath by its PSPath property. A file that does not exist, or that is not an image that can be read,
    /// writes a non-terminating error (ImageNotFound, ImageDecodeFailed) whose target is the file, and the other files
    /// are still read.</para>
    /// <para>A PDF (recognised by its %PDF- header) is checked as Send-VisionChat would check it before sending: it opens
    /// without a password (one with permissions only opens, as in a reader), and it has at most 100 pages and 32 MB (what one OpenAI request takes). Its object has Format
    /// Pdf, Pages, ScannedPages (pages that are one scanned image, which ConvertTo-VisionImage can turn into images) and an
    /// EstimatedTokens for the whole file: each page's image at the model's rules (the page at 150 dpi, an assumption) plus
    /// its text at about 4 characters a token. A PDF that fails writes PdfEncrypted, PdfTooManyPages, PdfTooLarge or
    /// PdfDamaged naming the file.</para>
    /// </remarks>
    /// <example>
    /// <code>Get-ChildItem ./invoices -Filter *.pdf | Get-VisionImageInfo -Model gpt-4.1 | Format-Table Path, Pages, ScannedPages, EstimatedTokens</code>
    /// <para>Checks every PDF invoice locally and shows its pages and estimated cost before anything is sent; a PDF that
    /// needs a password or is damaged is an error naming the file, and the others are still listed.</para>
    /// </example>
    /// <example>
    /// <code>Get-ChildItem -Path ~/Pictures -Recurse -File -Include *.jpg, *.jpeg, *.png, *.webp | Get-VisionImageInfo</code>
    /// <para>Reads the header of every JPEG, PNG and WebP file under ~/Pictures and shows them as a table of format,
    /// width, height, orientation and path. Files piped from Get-ChildItem bind to -LiteralPath, so names containing
    /// [ or ] are read as they are.</para>
    /// </example>
    /// <example>
    /// <code>Get-VisionImageInfo -Path ./scans/*.png, ./photos/IMG_*.jpg |
    ///     Where-Object { $_.Width -gt 2048 -or $_.Height -gt 2048 } |
    ///     Select-Object Path, Width, Height</code>
    /// <para>Expands both wildcards and lists the images with a side longer than 2048 pixels, the ones a vision model
    /// would scale down.</para>
    /// </example>
    /// <example>
    /// <code>Get-VisionImageInfo -LiteralPath ./upload/photo[1].jpg, ./upload/notes.txt -ErrorVariable failed -ErrorAction SilentlyContinue
    /// $failed | ForEach-Object { "{0}: {1}" -f $_.TargetObject, $_.FullyQualifiedErrorId }</code>
    /// <para>Reads a file whose name contains brackets, taken literally, and collects the error for the file that is
    /// not an image instead of showing it; every error names the file it is about and has a stable id
    /// (UnsupportedImageFormat for a file that is no image, ImageNotFound for a missing one, ImageDamaged,
    /// ImageDecodeFailed).</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VisionImageInfo", HelpUri = ProjectLinks.HelpUri, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(VisionImageInfo))]
    public sealed class GetVisionImageInfoCommand : PSCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        /// <summary>
        /// Paths of the image files to read. Wildcards (*, ?, [a-z]) are expanded, and relative paths are resolved from
        /// the current location. Strings piped to the cmdlet bind here. A path that matches no file writes an
        /// ImageNotFound error.
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [SupportsWildcards]
        [FromProperty(wildcardPath: true)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>
        /// Paths of the image files to read, used exactly as typed: no character is a wildcard, so names with [ or ]
        /// work. Get-ChildItem and Get-Item output binds here by its PSPath property.
        /// </summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP", "FullName")]
        [FromProperty(wildcardPath: false)]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>The model to estimate tokens and target size for (default: Set-VisionDefault -Model, else the gpt-4o rules).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(ModelCompleter))]
        [PSDefaultValue(Help = "Set-VisionDefault -Model, else gpt-4.1-mini")]
        [ValidateNotNullOrEmpty]
        public string? Model { get; set; }

        /// <summary>The detail the image would be sent with: Auto, Low, High or Original.</summary>
        [Parameter]
        [PSDefaultValue(Help = "Set-VisionDefault -Detail, else Auto")]
        [Infrastructure.OneDetail]
        public Core.ImageDetail Detail { get; set; } = Core.ImageDetail.Auto;

        /// <summary>The largest side, in pixels, an image may be sent at (default 2048).</summary>
        [Parameter]
        [ValidateRange(16, 16384)]
        public int MaxSide { get; set; } = PrepareOptions.DefaultMaxSide;

        /// <summary>-MaxSide when given (also through $PSDefaultParameterValues); null lets a known model's own box apply.</summary>
        private int? GivenMaxSide => MyInvocation.BoundParameters.ContainsKey(nameof(MaxSide)) ? MaxSide : null;

        private PrepareOptions? _options;
        private readonly ProgressRecord _progress = new ProgressRecord(3, "Reading image headers", "Starting");
        private DateTime _lastProgress = DateTime.UtcNow;
        private int _count;

        protected override void BeginProcessing()
        {
            ScriptPreferences.Apply(this);
            Detail = SessionModel.Detail(this, Detail);
            _options = PrepareParameters.Build(SessionModel.Resolve(this, Model, SessionModel.SessionTakesSpaces()), Detail, GivenMaxSide, null);
            ModelRulesWarning.WarnIfNoOriginal(this, _options.Model, Detail);
        }

        protected override void EndProcessing()
        {
            if (_count >= 50)
            {
                _progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(_progress);
            }
        }

        protected override void ProcessRecord()
        {
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (string file in ImagePathResolver.Resolve(this, literal ? LiteralPath : Path, literal))
            {
                if (Core.Documents.PdfDocumentCheck.IsPdfFile(file))
                {
                    WritePdf(file);
                    continue;
                }
                try
                {
                    ImageHeader header = ImageProbe.Probe(file);
                    ImageProbe.CheckDeclared(header, _options!.Budget, file);
                    // Preparing's own verdict: a file the header rules out is read no further.
                    bool passes = ImagePreparer.WouldPassThrough(file, header, _options!);
                    WriteObject(new VisionImageInfo(file, header, _options!, passes));
                    if (++_count % 50 == 0 && DateTime.UtcNow - _lastProgress > TimeSpan.FromMilliseconds(250))
                    {
                        _lastProgress = DateTime.UtcNow;
                        _progress.StatusDescription = $"{_count} files read: {System.IO.Path.GetFileName(file)}";
                        WriteProgress(_progress);
                    }
                }
                catch (Exception ex) when (ex is ImageProcessingException || ex is InvalidDataException || ex is IOException || ex is UnauthorizedAccessException)
                {
                    // The same input gets the same id as in every other cmdlet (an empty file: UnsupportedImageFormat).
                    ErrorRecord error = ImageInputs.ForFailure(ex, file);
                    if (ErrorIds.CodecDebugText(error) is string codec)
                    {
                        WriteDebug(codec);
                    }
                    WriteError(error);
                }
            }
        }

        private void WritePdf(string file)
        {
            try
            {
                (_, Core.Documents.PdfDocumentInfo pdf) = Core.Documents.PdfDocumentCheck.CheckFile(file);
                foreach (string warning in pdf.Warnings)
                {
                    WriteWarning(warning);
                }
                WriteObject(new VisionImageInfo(file, pdf, _options!));
            }
            catch (Core.Documents.PdfCheckException ex)
            {
                WriteError(ErrorIds.ForPdf(ex, file));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(ErrorIds.Create(ex, ErrorIds.PdfDamaged, ErrorCategory.ReadError, file, $"Cannot read the PDF '{file}': {ex.Message}"));
            }
        }
    }
}
