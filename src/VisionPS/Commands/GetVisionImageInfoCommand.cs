using System;
using System.IO;
using System.Management.Automation;
using VisionPS.Core.Imaging;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>Reads the format, size and EXIF orientation of image files from their headers, and whether each would be sent as it is.</summary>
    /// <remarks>
    /// <para>Get-VisionImageInfo opens each file, reads its codec header (and, for a file that may be sent as it is, the
    /// whole file, see below), and returns one
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
    /// <para>Such a file that is damaged writes an ImageDamaged error (the id, target and named damage of the error
    /// ConvertTo-VisionImage and Send-VisionChat refuse it with) and no object; the other files are still read. With
    /// -AllowPartial, as with those cmdlets, a damaged file is re-encoded from the part that decodes, so it gives an object
    /// whose WouldPassThrough is False instead. Damage that needs a decode to find, in a file the header rules out of
    /// passing through, is not looked for here: preparing finds it. A file the header allows is checked as preparing
    /// checks it, its structure (a PNG's chunks, a JPEG's end) before its colour and transparency, so one that is then
    /// re-encoded (a gamma or profile other than sRGB) can still give ImageDamaged when it is damaged.</para>
    /// <para>Only files that may be sent as they are are read past their header. A file the header rules out costs
    /// about a millisecond or less (0.2 to 1 ms for a JPEG or PNG, measured on a busy 2-core machine); one that may pass
    /// through costs about what decoding it costs: 1 ms for an icon, 20 to 100 ms for a photo or screenshot of about a
    /// megabyte, a few hundred ms for a large progressive JPEG or lossless WebP. Which files may pass depends on -Model:
    /// with gpt-4.1-mini most photos are larger than its box and are ruled out by their header, while with a model
    /// costed in the 2048-px box (an unknown one such as claude-sonnet-4) every photo up to 2048 px is read whole (a
    /// folder of 42 sample images took 26 ms a file with gpt-4.1-mini and 64 ms with claude-sonnet-4). It is still the
    /// quick way to find what a model would be sent before preparing or sending anything.</para>
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
    /// <para>Reads every JPEG, PNG and WebP file under ~/Pictures (the header, and the whole file of those that may be
    /// sent as they are) and shows them as a table of format,
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

        /// <summary>
        /// Say of a damaged image what ConvertTo-VisionImage and Send-VisionChat -AllowPartial do with it: they send the
        /// part that decodes, re-encoded, so it is listed with WouldPassThrough False instead of an ImageDamaged error.
        /// </summary>
        [Parameter]
        public SwitchParameter AllowPartial { get; set; }

        /// <summary>-MaxSide when given (also through $PSDefaultParameterValues); null lets a known model's own box apply.</summary>
        private int? GivenMaxSide => MyInvocation.BoundParameters.ContainsKey(nameof(MaxSide)) ? MaxSide : null;

        private PrepareOptions? _options;
        private readonly ProgressRecord _progress = new ProgressRecord(3, "Reading images", "Starting");
        private DateTime _lastProgress = DateTime.UtcNow;
        private int _count;

        protected override void BeginProcessing()
        {
            ScriptPreferences.Apply(this);
            Detail = SessionModel.Detail(this, Detail);
            _options = PrepareParameters.Build(SessionModel.Resolve(this, Model, SessionModel.SessionTakesSpaces()), Detail, GivenMaxSide, null,
                allowPartial: AllowPartial);
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
                VisionImageInfo info;
                try
                {
                    ImageHeader header = ImageProbe.Probe(file);
                    ImageProbe.CheckDeclared(header, _options!.Budget, file);
                    // Preparing's own verdict: a file the header rules out is read no further.
                    bool passes = ImagePreparer.WouldPassThrough(file, header, _options!);
                    info = new VisionImageInfo(file, header, _options!, passes);
                }
                catch (Exception ex) when (ImageProcessingException.OfOneFile(ex, file) is Exception failure)
                {
                    // What ConvertTo-VisionImage catches, with the same id (an empty file: UnsupportedImageFormat), in
                    // words for a command that sends nothing; a defect in the image core is this file's error too.
                    ErrorRecord error = ImageInputs.ForFailure(failure, file, readOnly: true);
                    if (ErrorIds.CodecDebugText(error) is string codec)
                    {
                        WriteDebug(codec);
                    }
                    WriteError(error);
                    continue;
                }
                // Outside the try: a stopped pipeline (Select-Object -First) ends the command, it is no file's error.
                WriteObject(info);
                if (++_count % 50 == 0 && DateTime.UtcNow - _lastProgress > TimeSpan.FromMilliseconds(250))
                {
                    _lastProgress = DateTime.UtcNow;
                    _progress.StatusDescription = $"{_count} files read: {System.IO.Path.GetFileName(file)}";
                    WriteProgress(_progress);
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
