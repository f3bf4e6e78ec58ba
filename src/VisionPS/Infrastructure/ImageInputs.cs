using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using VisionPS.Core;
using VisionPS.Core.Imaging;

namespace VisionPS.Infrastructure
{
    /// <summary>One image a cmdlet was given, in input order: ready (a VisionImage or URL) or still to prepare.</summary>
    internal sealed class ImageWork
    {
        public ImageWork(string source, VisionImage? ready, string? path, byte[]? bytes, Stream? stream = null)
        {
            Source = source;
            Ready = ready;
            Path = path;
            Bytes = bytes;
            Stream = stream;
        }

        public string Source { get; }

        public VisionImage? Ready { get; }

        public string? Path { get; }

        public byte[]? Bytes { get; }

        /// <summary>A stream the core reads when preparing, within its file budget.</summary>
        public Stream? Stream { get; }
    }

    /// <summary>
    /// Turns what users pipe or pass as images (VisionImage objects, Get-ChildItem items, paths with wildcards,
    /// http(s) URLs, bytes, streams) into prepared images, in input order, on all cores. Every input that cannot
    /// become an image yields one error record naming it; the others go on.
    /// </summary>
    internal static class ImageInputs
    {
        /// <summary>The work items for one input object; bad inputs are written as errors.</summary>
        public static List<ImageWork> Collect(PSCmdlet cmdlet, object? input, ImageDetail detail, string? model)
        {
            var work = new List<ImageWork>();
            if (input is PSObject pso)
            {
                if (pso.BaseObject is not (VisionImage or VisionImageInfo or string or Uri or byte[] or Stream or object[])
                    && PathProperty(pso) is (string path, bool literal))
                {
                    // Bound by property name, as PowerShell binds Path/LiteralPath: Get-ChildItem items (PSPath),
                    // Import-Csv rows and any object with a Path, FullName, PSPath or LiteralPath property. A row whose
                    // path is an http(s) URL (an Import-Csv list of image links) is that URL, as the string itself is.
                    if (Uri.TryCreate(path, UriKind.Absolute, out Uri? link) && (link.Scheme == Uri.UriSchemeHttp || link.Scheme == Uri.UriSchemeHttps))
                    {
                        AddUri(cmdlet, work, link, path, detail, model);
                        return work;
                    }
                    work.AddRange(ImagePathResolver.Resolve(cmdlet, new[] { path }, literal).Select(Path));
                    return work;
                }
                input = pso.BaseObject;
            }
            switch (input)
            {
                case null:
                    break;
                case VisionImage image:
                    work.Add(new ImageWork(image.Source, image, null, null));
                    break;
                case VisionImageInfo info:
                    work.AddRange(ImagePathResolver.Resolve(cmdlet, new[] { info.Path }, literal: true).Select(Path));
                    break;
                case FileInfo file:
                    work.AddRange(ImagePathResolver.Resolve(cmdlet, new[] { file.FullName }, literal: true).Select(Path));
                    break;
                case Uri uri:
                    AddUri(cmdlet, work, uri, uri.OriginalString, detail, model);
                    break;
                case string text when text.StartsWith("data:", StringComparison.OrdinalIgnoreCase):
                    WriteInvalid(cmdlet, text.Substring(0, Math.Min(40, text.Length)) + "...",
                        "A data: URL was given as an image. Pass the image file (or a VisionImage from ConvertTo-VisionImage) instead: VisionPS builds the data URL itself, with the right MIME type.");
                    break;
                case string text when Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps):
                    AddUri(cmdlet, work, uri, text, detail, model);
                    break;
                case string text:
                    work.AddRange(ImagePathResolver.Resolve(cmdlet, new[] { text }, literal: false).Select(Path));
                    break;
                case byte[] bytes:
                    work.Add(new ImageWork($"byte[{bytes.Length}]", null, null, bytes));
                    break;
                case Stream stream:
                    work.Add(new ImageWork("stream", null, null, null, stream));
                    break;
                case object[] many:
                    foreach (object? item in many)
                    {
                        work.AddRange(Collect(cmdlet, item, detail, model));
                    }
                    break;
                case AssistantMessage: // $msg | Send-VisionChat '...': the message names a conversation, it holds no image to send again
                default:
                    cmdlet.WriteError(NotAnImage(cmdlet, input));
                    break;
            }
            return work;
        }

        /// <summary>The InvalidImageInput error for an object that is no image and names no image file (it has no path property).</summary>
        internal static ErrorRecord NotAnImage(PSCmdlet cmdlet, object input)
        {
            string message;
            object bare = input is PSObject wrapped ? wrapped.BaseObject : input;
            if (bare is AssistantMessage assistant)
            {
                message = $"An Add-AssistantImage message is not an image: its images are already in conversation {assistant.ConversationId}. " + MessageAdvice(cmdlet.MyInvocation.MyCommand.Name);
            }
            else
            {
                string type = bare.GetType().Name;
                string article = "AEIOUaeiou".IndexOf(type[0]) >= 0 ? "an" : "a";
                message = $"Cannot use {article} {type} as an image. Pass a file path, a Get-ChildItem item, an object with a Path, FullName, PSPath or LiteralPath property (Import-Csv rows), an http(s) URL, bytes, a VisionImageInfo, or a VisionImage from ConvertTo-VisionImage.";
            }
            return ErrorIds.Create(new ArgumentException(message), ErrorIds.InvalidImageInput, ErrorCategory.InvalidArgument, input, message);
        }

        /// <summary>What to do instead of giving an Add-AssistantImage message as an image, for the cmdlet that runs.</summary>
        private static string MessageAdvice(string command) => command switch
        {
            "Send-VisionChat" => "To ask about them, give the conversation instead of piping the message: Send-VisionChat 'Your question' -ConversationId $msg.ConversationId",
            "Add-AssistantImage" => "To add images to its conversation, give the images and the conversation once: $msg | Add-AssistantImage more.jpg, or Add-AssistantImage more.jpg -ConversationId $msg.ConversationId",
            _ => $"{command} takes images, not a conversation. To ask about the images in it, use: Send-VisionChat 'Your question' -ConversationId $msg.ConversationId",
        };

        /// <summary>
        /// Prepares every work item that needs it (in parallel, bounded, in input order) and returns, per item, the
        /// image or the error record. Nothing is lost: one result per item.
        /// </summary>
        public static IEnumerable<(ImageWork Work, VisionImage? Image, ErrorRecord? Error)> Prepare(
            IReadOnlyList<ImageWork> work, PrepareOptions options, CancellationToken cancellationToken,
            Action<ProgressRecord>? progress = null, string activity = "Preparing images")
        {
            var report = new PrepareProgress(work.Count, progress, activity);
            foreach ((ImageWork Work, VisionImage? Image, ErrorRecord? Error) item in PrepareAll(work, options, cancellationToken))
            {
                report.Done(item.Work.Source);
                yield return item;
            }
            report.Complete();
        }

        /// <summary>Write-Progress for image preparation: at most 5 records a second, only when there is more than one image.</summary>
        private sealed class PrepareProgress
        {
            private readonly int _total;
            private readonly Action<ProgressRecord>? _write;
            private readonly ProgressRecord _record;
            private DateTime _last = DateTime.MinValue;
            private int _done;
            private bool _shown;

            public PrepareProgress(int total, Action<ProgressRecord>? write, string activity)
            {
                _record = new ProgressRecord(7, activity, "Starting");
                _total = total;
                _write = total > 1 ? write : null;
            }

            public void Done(string source)
            {
                _done++;
                if (_write is null || DateTime.UtcNow - _last < TimeSpan.FromMilliseconds(200))
                {
                    return;
                }
                _last = DateTime.UtcNow;
                _record.StatusDescription = $"{_done} of {_total}: {System.IO.Path.GetFileName(source)}";
                _record.PercentComplete = Math.Min(100, _done * 100 / Math.Max(1, _total));
                _write(_record);
                _shown = true;
            }

            public void Complete()
            {
                if (_write != null && _shown)
                {
                    _record.RecordType = ProgressRecordType.Completed;
                    _write(_record);
                }
            }
        }

        /// <summary>
        /// The warning for one request that carries many images or many tokens (over 10 images, or over 20,000
        /// estimated image tokens): such a request is slow, costly and answered less well, and -PerImage asks about
        /// each image on its own (in parallel, each answer cached). Null when the request is ordinary.
        /// </summary>
        public static string? ManyImagesWarning(IReadOnlyList<VisionImage> images)
        {
            int tokens = images.Sum(i => i.EstimatedTokens ?? 0);
            return images.Count <= ManyImages && tokens <= ManyTokens ? null : ManyImagesWarning(images.Count, tokens);
        }

        /// <summary>The warning text for one request of <paramref name="count"/> images (and, when known, <paramref name="tokens"/> image tokens).</summary>
        public static string ManyImagesWarning(int count, long? tokens) =>
            $"One request will carry {count} images{(tokens is long t ? $" (over {t:N0} image tokens, estimated)" : string.Empty)}. Models answer such a request slowly and less well about each image; "
            + "to ask about each image on its own (in parallel, each answer cached), add -PerImage.";

        internal const int ManyImages = 10;
        internal const int ManyTokens = 20000;

        private static IEnumerable<(ImageWork Work, VisionImage? Image, ErrorRecord? Error)> PrepareAll(
            IReadOnlyList<ImageWork> work, PrepareOptions options, CancellationToken cancellationToken)
        {
            var pathItems = work.Where(w => w.Ready is null && w.Path != null).ToList();
            IEnumerator<PrepareResult> prepared = ImagePreparer
                .PrepareMany(pathItems.Select(w => w.Path!), options, 0, cancellationToken).GetEnumerator();
            try
            {
                foreach (ImageWork item in work)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (item.Ready != null)
                    {
                        yield return (item, item.Ready, null);
                    }
                    else if (item.Path != null)
                    {
                        prepared.MoveNext();
                        PrepareResult result = prepared.Current;
                        yield return result.Image != null
                            ? (item, new VisionImage(result.Image, item.Path, options.Detail, options.Model, fromFile: true), null)
                            : (item, null, ForFailure(result.Error!, item.Source));
                    }
                    else
                    {
                        (VisionImage? image, ErrorRecord? error) = PrepareBytes(item, options);
                        yield return (item, image, error);
                    }
                }
            }
            finally
            {
                prepared.Dispose();
            }
        }

        private static (VisionImage?, ErrorRecord?) PrepareBytes(ImageWork item, PrepareOptions options)
        {
            try
            {
                PreparedImage image = item.Stream != null
                    ? ImagePreparer.Prepare(item.Stream, item.Source, options) // read within the core's file budget
                    : ImagePreparer.Prepare(item.Bytes!, item.Source, options);
                return (new VisionImage(image, item.Source, options.Detail, options.Model), null);
            }
            catch (Exception ex) when (ex is ImageProcessingException || ex is IOException || ex is NotSupportedException || ex is ObjectDisposedException)
            {
                return (null, ForFailure(ex, item.Source));
            }
        }

        /// <summary>
        /// The error record for an image that could not be read or prepared (<paramref name="readOnly"/>: by a command
        /// that only reads it, see <see cref="ErrorIds.ForImage"/>).
        /// </summary>
        public static ErrorRecord ForFailure(Exception ex, string source, bool readOnly = false)
        {
            return ex switch
            {
                ImageProcessingException image => ErrorIds.ForImage(image, source, readOnly),
                Core.Documents.PdfCheckException pdf => ErrorIds.ForPdf(pdf, source),
                Core.Asking.RequestTooLargeException tooLarge => ErrorIds.ForRequestSize(tooLarge),
                FileNotFoundException or DirectoryNotFoundException => ErrorIds.Create(ex, ErrorIds.ImageNotFound, ErrorCategory.ObjectNotFound, source,
                    $"Cannot find the image file '{source}'."),
                UnauthorizedAccessException => ErrorIds.Create(ex, ErrorIds.ImageNotFound, ErrorCategory.PermissionDenied, source,
                    $"Cannot read '{source}': access is denied."),
                _ => ErrorIds.Create(ex, ErrorIds.ImageDecodeFailed, ErrorCategory.ReadError, source,
                    $"Cannot read the image '{source}': {ex.Message}"),
            };
        }

        /// <summary>
        /// The names an image's path binds from, in PowerShell's order for file cmdlets: the provider path of
        /// Get-ChildItem items first, then the literal names, then Path (which, like -Path, expands wildcards).
        /// </summary>
        internal static readonly (string Name, bool Literal)[] PathProperties =
        {
            ("PSPath", true), ("LiteralPath", true), ("FullName", true), ("Path", false),
        };

        private static (string, bool)? PathProperty(PSObject pso)
        {
            foreach ((string name, bool literal) in PathProperties)
            {
                object? value = pso.Properties[name]?.Value;
                if (value is PSObject wrapped)
                {
                    value = wrapped.BaseObject;
                }
                if (value is string text && text.Length > 0)
                {
                    return (text, literal);
                }
            }
            return null;
        }

        private static ImageWork Path(string path) => new ImageWork(path, null, path, null);

        private static void AddUri(PSCmdlet cmdlet, List<ImageWork> work, Uri uri, string text, ImageDetail detail, string? model)
        {
            if (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            {
                work.Add(new ImageWork(uri.AbsoluteUri, new VisionImage(uri, detail, model), null, null));
            }
            else if (uri.IsFile && ImagePathResolver.FileUriPath(uri) is string local)
            {
                work.AddRange(ImagePathResolver.Resolve(cmdlet, new[] { local }, literal: true).Select(Path));
            }
            else if (uri.IsFile)
            {
                cmdlet.WriteError(ImagePathResolver.FileUriOnAnotherComputer(uri, text));
            }
            else
            {
                WriteInvalid(cmdlet, text, $"'{text}' is not an http(s) URL or a file. Vision models accept images by http(s) URL, or VisionPS sends the file's bytes.");
            }
        }

        private static void WriteInvalid(PSCmdlet cmdlet, object target, string message)
        {
            cmdlet.WriteError(ErrorIds.Create(new ArgumentException(message), ErrorIds.InvalidImageInput, ErrorCategory.InvalidArgument, target, message));
        }
    }
}
