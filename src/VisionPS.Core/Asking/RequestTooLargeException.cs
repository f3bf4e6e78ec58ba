using System;
using System.Collections.Generic;
using System.Linq;

namespace VisionPS.Core.Asking
{
    /// <summary>
    /// What the OpenAI API takes of image input (Chat Completions, Responses, a batch line, a conversation item): 20 MB an
    /// image and 50 MB in all per request (the vision guide's "up to 50 MB total payload size per request";
    /// shared/openai/README.md). As for PDFs (<see cref="Documents.PdfLimits"/>), the smaller reading (10^6 bytes a MB, not
    /// 2^20) is taken, and each input counts as the request carries it (<see cref="RequestPart"/>): an inline image or PDF
    /// as its base64 data URL (4/3 of its bytes, with its <c>data:</c> prefix), an image uploaded to attach by file id by
    /// its bytes, an image URL the service downloads itself by the URL only (its size is not known before sending). So no
    /// request the service may refuse for its size is sent.
    /// </summary>
    public static class ImageRequestLimits
    {
        /// <summary>Most bytes of input, over all images and inline PDFs, in one request (counted as carried): 50 MB.</summary>
        public const long MaxImageBytesPerRequest = 50L * 1000 * 1000;

        /// <summary>Most bytes of one image (counted as carried): 20 MB.</summary>
        public const long MaxBytesPerImage = 20L * 1000 * 1000;

        /// <summary>The length of the <c>data:MIME;base64,</c> URL that carries <paramref name="bytes"/> bytes inline.</summary>
        public static long DataUrlLength(long bytes, string mimeType)
            => "data:".Length + (mimeType ?? string.Empty).Length + ";base64,".Length + (4 * ((bytes + 2) / 3));
    }

    /// <summary>How an input of a request travels, which decides how it counts against <see cref="ImageRequestLimits"/>.</summary>
    public enum RequestPartKind
    {
        /// <summary>Inline in the request body, as a base64 data URL: counted as that URL.</summary>
        Inline,

        /// <summary>Uploaded before the request and attached by file id: counted by its bytes.</summary>
        Uploaded,

        /// <summary>A URL the service downloads (or a file id it holds): counted as the reference, its size unknown here.</summary>
        Reference,
    }

    /// <summary>One input of a request as the size limits count it (<see cref="ImageRequestLimits"/>).</summary>
    public sealed class RequestPart
    {
        private RequestPart(string source, long bytes, long counted, bool isImage, RequestPartKind kind)
        {
            Source = source;
            Bytes = bytes;
            Counted = counted;
            IsImage = isImage;
            Kind = kind;
        }

        /// <summary>The file (or URL, or input) it came from.</summary>
        public string Source { get; }

        /// <summary>Its own bytes (0 for a reference).</summary>
        public long Bytes { get; }

        /// <summary>What it counts as: its data URL's length inline, its bytes uploaded, the reference's length otherwise.</summary>
        public long Counted { get; }

        /// <summary>An image (held to <see cref="ImageRequestLimits.MaxBytesPerImage"/>), not a PDF.</summary>
        public bool IsImage { get; }

        /// <summary>How it travels.</summary>
        public RequestPartKind Kind { get; }

        /// <summary>An image or PDF sent inline: it counts as its data URL.</summary>
        public static RequestPart Inline(string source, long bytes, string mimeType, bool isImage = true)
            => new(source, bytes, ImageRequestLimits.DataUrlLength(bytes, mimeType), isImage, RequestPartKind.Inline);

        /// <summary>An image uploaded to be attached by file id: it counts by its bytes.</summary>
        public static RequestPart Uploaded(string source, long bytes) => new(source, bytes, bytes, true, RequestPartKind.Uploaded);

        /// <summary>An image URL the service downloads (or a file id): only the reference is in the request.</summary>
        public static RequestPart Reference(string source, string reference, bool isImage = true)
            => new(source, 0, (reference ?? string.Empty).Length, isImage, RequestPartKind.Reference);

        /// <summary>An input of a request as <see cref="OpenAI.VisionImageInput"/> carries it.</summary>
        public static RequestPart Of(string source, OpenAI.VisionImageInput input) => input.Source switch
        {
            OpenAI.VisionImageSource.Bytes => Inline(source, input.Bytes.Length, input.MimeType ?? string.Empty, !input.IsDocument),
            OpenAI.VisionImageSource.Url => Reference(source, input.Url!.AbsoluteUri, !input.IsDocument),
            _ => Reference(source, input.FileId ?? string.Empty, !input.IsDocument),
        };
    }

    /// <summary>
    /// The inputs of one request, as they would be carried, are more than the service takes (<see cref="ImageRequestLimits"/>):
    /// an image of more than 20 MB, or more than 50 MB in all. The request is not sent (nor its images uploaded). The message
    /// names the inputs, their size and the limit, and the way out.
    /// </summary>
    public sealed class RequestTooLargeException : Exception
    {
        // At most this many files are named with their sizes; the rest are counted.
        private const int NamedFiles = 20;

        private const string Smaller = "a smaller -MaxSide, -Detail High or Low instead of Original, or ConvertTo-VisionImage with -Format Jpeg or a lower -Quality.";

        private RequestTooLargeException(IReadOnlyList<string> sources, long totalBytes, long limit, string message, string advice)
            : base(message + " " + advice)
        {
            Sources = sources;
            TotalBytes = totalBytes;
            Limit = limit;
            Advice = advice;
        }

        /// <summary>The inputs over the limit: the images over 20 MB, or every input of a request over 50 MB, in order.</summary>
        public IReadOnlyList<string> Sources { get; }

        /// <summary>Their size together, as counted (<see cref="RequestPart.Counted"/>).</summary>
        public long TotalBytes { get; }

        /// <summary>The limit they exceed: per image or per request.</summary>
        public long Limit { get; }

        /// <summary>The way out (the end of the message), for an error's recommended action.</summary>
        public string Advice { get; }

        /// <summary>
        /// The refusal of a request whose inputs (as <see cref="RequestPart"/>s) are more than the service takes: an image
        /// over <see cref="ImageRequestLimits.MaxBytesPerImage"/> first, then the whole over
        /// <see cref="ImageRequestLimits.MaxImageBytesPerRequest"/>; null when they fit.
        /// </summary>
        public static RequestTooLargeException? Check(IReadOnlyList<RequestPart> parts)
        {
            if (parts is null)
            {
                throw new ArgumentNullException(nameof(parts));
            }
            bool uploads = parts.Any(p => p.Kind == RequestPartKind.Uploaded);
            string nothing = uploads ? "nothing was uploaded" : "nothing was sent";
            string how = uploads ? "as uploaded" : "as sent (inline images and PDFs go as base64 data URLs, 4/3 of their bytes)";
            long perImage = ImageRequestLimits.MaxBytesPerImage;
            List<RequestPart> over = parts.Where(p => p.IsImage && p.Counted > perImage).ToList();
            if (over.Count > 0)
            {
                long overTotal = over.Sum(p => p.Counted);
                string advice = "Make " + (over.Count == 1 ? "it" : "them") + " smaller: " + Smaller;
                if (over.Count == 1)
                {
                    RequestPart one = over[0];
                    string size = one.Kind == RequestPartKind.Inline
                        ? $"{MessageText.Megabytes(one.Counted, perImage)} as sent (a base64 data URL of its {MessageText.Megabytes(one.Bytes, perImage)})"
                        : $"{MessageText.Megabytes(one.Counted, perImage)} as uploaded";
                    return new RequestTooLargeException(new[] { one.Source }, overTotal, perImage,
                        $"'{one.Source}' is {size}; the service takes at most {MessageText.Megabytes(perImage, perImage, one.Counted)} an image, so {nothing}.", advice);
                }
                return new RequestTooLargeException(over.Select(p => p.Source).ToList(), overTotal, perImage,
                    $"{over.Count} images are each more than the {MessageText.Megabytes(perImage, perImage, over.Min(p => p.Counted))} an image the service takes, {how}: {Named(over, perImage)}; so {nothing}.", advice);
            }
            long total = parts.Sum(p => p.Counted);
            long limit = ImageRequestLimits.MaxImageBytesPerRequest;
            if (total <= limit)
            {
                return null;
            }
            int pdfs = parts.Count(p => !p.IsImage);
            string what = MessageText.ImagesAndPdfs(parts.Count - pdfs, pdfs);
            string of = pdfs == 0 ? "of images" : "of images and PDFs";
            string way = uploads
                ? "Attach fewer images per message (add the rest with another Add-AssistantImage -ConversationId), or make them smaller: "
                : "Send fewer images per request (-PerImage sends each alone), or make them smaller: ";
            return new RequestTooLargeException(parts.Select(p => p.Source).ToList(), total, limit,
                $"The {what} of this {(uploads ? "message" : "request")} are {MessageText.Megabytes(total, limit)} together {how}: {Named(parts, limit)}; "
                + $"the service takes at most {MessageText.Megabytes(limit, limit, total)} {of} per request, so {nothing}.",
                way + Smaller);
        }

        // The inputs with their sizes as counted (a URL the service downloads is said to be one), the first NamedFiles of them.
        private static string Named(IReadOnlyList<RequestPart> parts, long limit)
            => string.Join(", ", parts.Take(NamedFiles).Select(p => $"'{p.Source}' ({(p.Kind == RequestPartKind.Reference ? "by URL" : MessageText.Megabytes(p.Counted, limit))})"))
                + (parts.Count > NamedFiles ? $" and {parts.Count - NamedFiles} more" : string.Empty);
    }
}
