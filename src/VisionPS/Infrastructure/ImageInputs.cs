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
                // Provider items (Get-ChildItem, Get-Item) carry PSPath: the path the user meant, whatever the base object.
                if (pso.Properties["PSPath"]?.Value is string psPath && pso.BaseObject is FileSystemInfo)
                {
                    work.AddRange(ImagePathResolver.Resolve(cmdlet, new[] { psPath }, literal: true).Select(Path));
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
                default:
                    WriteInvalid(cmdlet, input, $"Cannot use a {input.GetType().Name} as an image. Pass a file path, a Get-ChildItem item, an http(s) URL, bytes, or a VisionImage from ConvertTo-VisionImage.");
                    break;
            }
            return work;
        }

        /// <summary>
        /// Prepares every work item that needs it (in parallel, bounded, in input order) and returns, per item, the
        /// image or the error record. Nothing is lost: one result per item.
        /// </summary>
        public static IEnumerable<(ImageWork Work, VisionImage? Image, ErrorRecord? Error)> Prepare(
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
                            ? (item, new VisionImage(result.Image, item.Path, options.Detail, options.Model), null)
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

        /// <summary>The error record for an image that could not be read or prepared.</summary>
        public static ErrorRecord ForFailure(Exception ex, string source)
        {
            return ex switch
            {
                ImageProcessingException image => ErrorIds.ForImage(image, source),
                Core.Documents.PdfCheckException pdf => ErrorIds.ForPdf(pdf, source),
                FileNotFoundException or DirectoryNotFoundException => ErrorIds.Create(ex, ErrorIds.ImageNotFound, ErrorCategory.ObjectNotFound, source,
                    $"Cannot find the image file '{source}'."),
                UnauthorizedAccessException => ErrorIds.Create(ex, ErrorIds.ImageNotFound, ErrorCategory.PermissionDenied, source,
                    $"Cannot read '{source}': access is denied."),
                _ => ErrorIds.Create(ex, ErrorIds.ImageDecodeFailed, ErrorCategory.ReadError, source,
                    $"Cannot read the image '{source}': {ex.Message}"),
            };
        }

        private static ImageWork Path(string path) => new ImageWork(path, null, path, null);

        private static void AddUri(PSCmdlet cmdlet, List<ImageWork> work, Uri uri, string text, ImageDetail detail, string? model)
        {
            if (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            {
                work.Add(new ImageWork(uri.AbsoluteUri, new VisionImage(uri, detail, model), null, null));
            }
            else if (uri.IsFile)
            {
                work.AddRange(ImagePathResolver.Resolve(cmdlet, new[] { uri.LocalPath }, literal: true).Select(Path));
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
