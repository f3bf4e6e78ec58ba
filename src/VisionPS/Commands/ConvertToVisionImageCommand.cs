using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Imaging;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>
    /// Prepares images for a vision model: oriented, converted, resized and estimated, ready to send.
    /// </summary>
    /// <remarks>
    /// ConvertTo-VisionImage reads each image from its bytes (never trusting the file extension) and makes exactly what
    /// a vision model should receive. PNG, JPEG, WebP and static GIF files that are within the size limits and need no
    /// rotation pass through unchanged. Anything else is decoded (HEIC, TIFF, AVIF, BMP and animated GIF/WebP
    /// included: the first frame), rotated upright by its EXIF orientation, converted to 8-bit sRGB, resized with a
    /// high-quality filter to fit -MaxSide (or to what -Model will look at for -Detail) and re-encoded: PNG when it has
    /// transparency, JPEG otherwise, unless -Format says. Images are prepared on all cores, in input order. The output,
    /// a VisionImage, tells what was done, the estimated tokens and the SHA-256 of the bytes, and can produce its data
    /// URL (ToDataUrl()) or save itself (Save(path)). http(s) URLs are passed through for the service to download, or
    /// downloaded and prepared locally with -Download. A file that cannot be read yields one error naming it
    /// (ImageNotFound, UnsupportedImageFormat, ImageTooLarge, ImageDecodeFailed) and the others go on.
    /// <para>A scanned PDF (each page one embedded image, as scanners and img2pdf make them) gives one prepared image per
    /// page, named file.pdf#page=N, for servers and APIs that take images only; the PDF is checked first (PdfEncrypted,
    /// PdfTooManyPages, PdfTooLarge, PdfDamaged), and a page with text or several images writes PdfPageNotAScan (send
    /// such a PDF as it is with Send-VisionChat). Pages are not rendered: the embedded image is decoded as stored and
    /// turned by the page's /Rotate, as a PDF reader shows it.</para>
    /// <para>-FromClipboard reads the image on the clipboard (a screenshot from Win+Shift+S, Cmd+Ctrl+Shift+4 or
    /// Print Screen, or Copy Image in a browser): on Windows through the clipboard API (the PNG format, else the DIB
    /// bitmap), on macOS through the pasteboard (osascript: PNG, else TIFF), on Linux from Wayland (wl-paste, from
    /// wl-clipboard) or X11 (xclip). With no image on the clipboard it writes ClipboardHasNoImage; with no clipboard to
    /// read (no display or one that cannot be reached, or neither tool installed) ClipboardUnavailable. The Linux X11 path is tested (Xvfb and xclip);
    /// the Windows, macOS and Wayland paths are built but not tested here.</para>
    /// </remarks>
    /// <example>
    /// <code>ConvertTo-VisionImage -FromClipboard | Send-VisionChat 'What does this error dialog mean?'</code>
    /// <para>Takes the screenshot just copied to the clipboard and asks about it.</para>
    /// </example>
    /// <example>
    /// <code>ConvertTo-VisionImage ./scans/receipt.pdf -Model gpt-4.1-mini | Send-VisionChat 'Read the total.' -PerImage</code>
    /// <para>Turns each page of a scanned receipt PDF into an image sized for gpt-4.1-mini, and asks about each page.</para>
    /// </example>
    /// <example>
    /// <code>Get-ChildItem ~/Pictures/*.jpg | ConvertTo-VisionImage -Model gpt-4.1 -Detail High</code>
    /// <para>Prepares every JPEG for gpt-4.1 at high detail, showing the size sent and the estimated tokens of each.</para>
    /// </example>
    /// <example>
    /// <code>ConvertTo-VisionImage -LiteralPath IMG_0042.HEIC -MaxSide 1024 | ForEach-Object { $_.Save('IMG_0042.jpg') }</code>
    /// <para>Turns an iPhone HEIC photo into an upright JPEG no larger than 1024 pixels and saves it.</para>
    /// </example>
    /// <example>
    /// <code>(ConvertTo-VisionImage scan.tiff -Format Png).ToDataUrl() | Set-Clipboard</code>
    /// <para>Makes a PNG data URL of a TIFF scan, with the right MIME type.</para>
    /// </example>
    [Cmdlet(VerbsData.ConvertTo, "VisionImage", HelpUri = ProjectLinks.HelpUri, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(VisionImage))]
    public sealed class ConvertToVisionImageCommand : AsyncPSCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string UriSet = "Uri";
        private const string InputObjectSet = "InputObject";
        private const string ClipboardSet = "Clipboard";
        private readonly List<ImageWork> _work = new List<ImageWork>();
        private readonly List<Uri> _downloads = new List<Uri>();
        private readonly HashSet<ImageWork> _pdfs = new HashSet<ImageWork>();

        /// <summary>Image files; wildcards are expanded.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [SupportsWildcards]
        [FromProperty(wildcardPath: true)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Image files, taken literally; binds from Get-ChildItem output.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP", "FullName")]
        [FromProperty(wildcardPath: false)]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>http(s) URLs of images: passed through for the service to download, or fetched with -Download.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UriSet)]
        [Alias("Url")]
        [ValidateNotNullOrEmpty]
        public Uri[] Uri { get; set; } = Array.Empty<Uri>();

        /// <summary>Downloads each -Uri and prepares it locally, for servers that cannot fetch URLs themselves.</summary>
        [Parameter(ParameterSetName = UriSet)]
        public SwitchParameter Download { get; set; }

        /// <summary>The image as bytes (byte[]) or a readable stream.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet)]
        [ValidateNotNull]
        public object? InputObject { get; set; }

        /// <summary>Reads the image on the clipboard (Windows clipboard API, macOS pasteboard, Wayland wl-paste or X11 xclip).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClipboardSet)]
        public SwitchParameter FromClipboard { get; set; }

        /// <summary>The largest side, in pixels, of what is sent (default 2048).</summary>
        [Parameter]
        [ValidateRange(16, 16384)]
        public int MaxSide { get; set; } = PrepareOptions.DefaultMaxSide;

        /// <summary>-MaxSide when given (also through $PSDefaultParameterValues); null lets a known model's own box apply.</summary>
        private int? GivenMaxSide => MyInvocation.BoundParameters.ContainsKey(nameof(MaxSide)) ? MaxSide : null;

        /// <summary>The largest encoded size, in bytes, passed through unchanged (default 5 MiB).</summary>
        [Parameter]
        [ValidateRange(1024, 1L << 32)]
        public long MaxBytes { get; set; } = PrepareOptions.DefaultMaxBytes;

        /// <summary>The detail the model will use: Auto, Low (512 px), High or Original; sizes the image with -Model.</summary>
        [Parameter]
        [PSDefaultValue(Help = "Set-VisionDefault -Detail, else Auto")]
        [Infrastructure.OneDetail]
        public ImageDetail Detail { get; set; } = ImageDetail.Auto;

        /// <summary>Output format when re-encoding: Auto (PNG with transparency, else JPEG), Png, Jpeg or WebP (at most 16383 px a side).</summary>
        [Parameter]
        public VisionImageFormat Format { get; set; } = VisionImageFormat.Auto;

        /// <summary>
        /// JPEG/WebP quality, 1 to 100. Not given: 85, or for outputs up to 1.6 megapixels the lowest quality that keeps
        /// about 35 dB PSNR (smooth photos smaller, detailed ones sharper). Given: exactly this quality.
        /// </summary>
        [Parameter]
        [ValidateRange(1, 100)]
        public int Quality { get; set; } = 85;

        /// <summary>The model the image is for: it is sized to what that model looks at, and its tokens estimated.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(ModelCompleter))]
        [PSDefaultValue(Help = "Set-VisionDefault -Model, else gpt-4.1-mini")]
        [ValidateNotNullOrEmpty]
        public string? Model { get; set; }

        /// <summary>
        /// Send the part of a damaged image that decodes, with a warning saying how much is missing, instead of
        /// refusing it with an ImageDamaged error. A damaged file is never sent unchanged.
        /// </summary>
        [Parameter]
        public SwitchParameter AllowPartial { get; set; }

        protected override void ProcessRecord()
        {
            string model = _model ??= SessionModel.Resolve(this, Model, SessionModel.SessionTakesSpaces());
            switch (ParameterSetName)
            {
                case PathSet:
                case LiteralPathSet:
                    bool literal = ParameterSetName == LiteralPathSet;
                    foreach (string p in ImagePathResolver.Resolve(this, literal ? LiteralPath : Path, literal))
                    {
                        var work = new ImageWork(p, null, p, null);
                        if (Core.Documents.PdfDocumentCheck.IsPdfFile(p))
                        {
                            _pdfs.Add(work); // a scan: one image per page, in its place among the inputs
                        }
                        _work.Add(work);
                    }
                    break;
                case ClipboardSet:
                    break;
                case UriSet when Download:
                    _downloads.AddRange(Uri);
                    break;
                default:
                    _work.AddRange(ImageInputs.Collect(this, ParameterSetName == UriSet ? Uri : InputObject, Detail, model));
                    break;
            }
        }

        private SessionState? _session;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            Detail = SessionModel.Detail(this, Detail);
        }
        private string? _model;

        protected override void EndProcessing()
        {
            PrepareOptions options = PrepareParameters.Build(_model ??= SessionModel.Resolve(this, Model, SessionModel.SessionTakesSpaces()), Detail, GivenMaxSide, MaxBytes, Format,
                MyInvocation.BoundParameters.ContainsKey(nameof(Quality)) ? Quality : null, AllowPartial);
            ModelRulesWarning.WarnIfNoOriginal(this, options.Model, Detail);
            _session = SessionState; // read here, on the pipeline thread: VisionImage.Save resolves against it
            // The session's defaults are this runspace's: read here, as the downloads run on another thread.
            TimeSpan downloadTimeout = TimeSpan.FromSeconds(VisionDefaults.Current.TimeoutSec ?? 100);
            if (FromClipboard)
            {
                ReadClipboard(options);
            }
            RunAsync(async cancel =>
            {
                if (_downloads.Count > 0)
                {
                    await DownloadAsync(options.Budget.MaxFileBytes, downloadTimeout, cancel).ConfigureAwait(false);
                }
                await Task.Run(() => Prepare(options, cancel), cancel).ConfigureAwait(false);
            });
        }

        private void ReadClipboard(PrepareOptions options)
        {
            try
            {
                byte[] bytes = Core.Clipboard.ClipboardImage.Read(options.Budget.MaxFileBytes);
                WriteVerbose($"Read {bytes.Length} bytes from {Core.Clipboard.ClipboardImage.Describe()}.");
                _work.Add(new ImageWork("clipboard", null, null, bytes));
            }
            catch (Core.Clipboard.ClipboardException ex)
            {
                (string id, ErrorCategory category) = ex.Problem switch
                {
                    Core.Clipboard.ClipboardProblem.NoImage => (ErrorIds.ClipboardHasNoImage, ErrorCategory.ObjectNotFound),
                    Core.Clipboard.ClipboardProblem.TooLarge => (ErrorIds.ImageTooLarge, ErrorCategory.LimitsExceeded),
                    _ => (ErrorIds.ClipboardUnavailable, ErrorCategory.ResourceUnavailable),
                };
                WriteError(ErrorIds.Create(ex, id, category, "clipboard", ex.Message));
            }
        }

        /// <summary>Images in input order: runs of image files prepared together on all cores, each scanned PDF page by page.</summary>
        private IEnumerable<(ImageWork Work, VisionImage? Image, ErrorRecord? Error)> PrepareInOrder(PrepareOptions options, CancellationToken cancel)
        {
            var run = new List<ImageWork>();
            for (int i = 0; i <= _work.Count; i++)
            {
                ImageWork? item = i < _work.Count ? _work[i] : null; // null: the end, flush the last run
                if (item is not null && !_pdfs.Contains(item))
                {
                    run.Add(item);
                    continue;
                }
                foreach (var result in ImageInputs.Prepare(run, options, cancel))
                {
                    yield return result;
                }
                run.Clear();
                if (item is null)
                {
                    yield break;
                }
                foreach (var page in PdfPages(item, options))
                {
                    yield return page;
                }
            }
        }

        private IEnumerable<(ImageWork, VisionImage?, ErrorRecord?)> PdfPages(ImageWork pdf, PrepareOptions options)
        {
            List<Core.Documents.PdfPageImage> pages;
            try
            {
                (byte[] bytes, _) = Core.Documents.PdfDocumentCheck.CheckFile(pdf.Path!);
                pages = Core.Documents.PdfScanPages.Extract(bytes, pdf.Path!, options).ToList();
            }
            catch (Core.Documents.PdfCheckException ex)
            {
                return new[] { ((ImageWork)pdf, (VisionImage?)null, (ErrorRecord?)ErrorIds.ForPdf(ex, pdf.Path!)) };
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return new[] { (pdf, (VisionImage?)null, (ErrorRecord?)ErrorIds.Create(ex, ErrorIds.ImageNotFound, ErrorCategory.ReadError, pdf.Path!, $"Cannot read '{pdf.Path}': {ex.Message}")) };
            }
            return pages.Select(page => page.Image is not null
                ? (pdf, (VisionImage?)new VisionImage(page.Image, page.Source, options.Detail, options.Model), (ErrorRecord?)null)
                : (pdf, null, page.Error switch
                {
                    Core.Documents.PdfCheckException check => ErrorIds.ForPdf(check, page.Source),
                    Core.Imaging.ImageProcessingException image => ErrorIds.ForImage(image, page.Source),
                    Exception other => ErrorIds.Create(other, ErrorIds.PdfDamaged, ErrorCategory.InvalidData, page.Source, $"Page {page.Page} of '{pdf.Path}' cannot be read: {Core.Documents.PdfDocumentCheck.ParserProblem(other)}."),
                    null => null,
                })).ToList();
        }

        private void Prepare(PrepareOptions options, CancellationToken cancel)
        {
            var progress = new ProgressRecord(1, "Preparing images", "Starting");
            int done = 0;
            DateTime lastProgress = DateTime.MinValue;
            foreach ((ImageWork work, VisionImage? image, ErrorRecord? error) in PrepareInOrder(options, cancel))
            {
                done++;
                if (image != null)
                {
                    PrepareParameters.Report(image, EmitVerbose, EmitWarning); // each warning names the file itself
                    image.Session = _session;
                    Emit(image);
                }
                else
                {
                    EmitError(error!);
                }
                if (_work.Count > 1 && DateTime.UtcNow - lastProgress > TimeSpan.FromMilliseconds(200))
                {
                    lastProgress = DateTime.UtcNow;
                    progress.StatusDescription = $"{done} of {_work.Count}: {System.IO.Path.GetFileName(work.Source)}";
                    progress.PercentComplete = Math.Min(100, done * 100 / _work.Count); // a PDF gives several images
                    EmitProgress(progress);
                }
            }
            if (_work.Count > 1)
            {
                progress.RecordType = ProgressRecordType.Completed;
                EmitProgress(progress);
            }
        }

        private async Task DownloadAsync(long maxBytes, TimeSpan timeout, CancellationToken cancel)
        {
            using var http = new HttpClient { Timeout = timeout };
            foreach (Uri url in _downloads)
            {
                if (url.Scheme != System.Uri.UriSchemeHttp && url.Scheme != System.Uri.UriSchemeHttps)
                {
                    string message = $"'{url.OriginalString}' is not an http(s) URL; use -LiteralPath for files.";
                    EmitError(ErrorIds.Create(new ArgumentException(message), ErrorIds.InvalidImageInput, ErrorCategory.InvalidArgument, url, message));
                    continue;
                }
                try
                {
                    EmitVerbose($"Downloading {url.AbsoluteUri}");
                    byte[] bytes = await UrlImages.DownloadAsync(http, url, maxBytes, cancel).ConfigureAwait(false);
                    _work.Add(new ImageWork(url.AbsoluteUri, null, null, bytes));
                }
                catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancel.IsCancellationRequested))
                {
                    EmitError(ErrorIds.Create(ex, ErrorIds.ImageNotFound, ErrorCategory.ConnectionError, url,
                        $"Cannot download '{url.AbsoluteUri}': {MessageText.Sentence(ex.Message)}"));
                }
            }
        }
    }
}
