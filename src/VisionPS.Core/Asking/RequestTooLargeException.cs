using System;
using System.Collections.Generic;
using System.Linq;

namespace VisionPS.Core.Asking
{
    /// <summary>
    /// What the OpenAI API takes of image input in one request (Chat Completions, Responses, a batch line): 50 MB of
    /// images in all (the vision guide's "up to 50 MB total payload size per request"; shared/openai/README.md). Image
    /// URLs the service downloads itself are not counted here (their size is not known before sending).
    /// </summary>
    public static class ImageRequestLimits
    {
        /// <summary>
        /// Most bytes of images, over all images, in one request: 50 MB. As for PDFs (<see cref="Documents.PdfLimits"/>),
        /// the smaller reading (50,000,000 bytes, not 50 MiB) is taken, so no request the service may refuse is sent.
        /// </summary>
        public const long MaxImageBytesPerRequest = 50L * 1000 * 1000;
    }

    /// <summary>
    /// The images of one request, as prepared, are more than the service takes (<see cref="ImageRequestLimits"/>): the
    /// request is not sent. The message names the images, their total and the limit, and the way out.
    /// </summary>
    public sealed class RequestTooLargeException : Exception
    {
        // At most this many files are named with their sizes; the rest are counted.
        private const int NamedFiles = 20;

        private RequestTooLargeException(IReadOnlyList<string> sources, long totalBytes, string message, string advice)
            : base(message + " " + advice)
        {
            Sources = sources;
            TotalBytes = totalBytes;
            Advice = advice;
        }

        /// <summary>The images of the request, in order.</summary>
        public IReadOnlyList<string> Sources { get; }

        /// <summary>Their bytes together, as they would have been sent (before base64).</summary>
        public long TotalBytes { get; }

        /// <summary>The limit they exceed.</summary>
        public long Limit => ImageRequestLimits.MaxImageBytesPerRequest;

        /// <summary>The way out (the end of the message), for an error's recommended action.</summary>
        public string Advice { get; }

        /// <summary>
        /// The refusal of a request whose inline images (source and byte count as prepared) are more than the service
        /// takes; null when they fit.
        /// </summary>
        internal static RequestTooLargeException? Check(IReadOnlyList<(string Source, long Bytes)> images)
        {
            long total = images.Sum(i => i.Bytes);
            long limit = ImageRequestLimits.MaxImageBytesPerRequest;
            if (total <= limit)
            {
                return null;
            }
            string atMost = MessageText.Megabytes(limit, limit, total);
            const string smaller = "a smaller -MaxSide, -Detail High or Low instead of Original, or ConvertTo-VisionImage with -Format Jpeg or a lower -Quality.";
            if (images.Count == 1)
            {
                return new RequestTooLargeException(new[] { images[0].Source }, total,
                    $"'{images[0].Source}' is {MessageText.Megabytes(total, limit)} as prepared; the service takes at most {atMost} of images per request, so it was not sent.",
                    "Make it smaller: " + smaller);
            }
            string named = string.Join(", ", images.Take(NamedFiles).Select(i => $"'{i.Source}' ({MessageText.Megabytes(i.Bytes, limit)})"))
                + (images.Count > NamedFiles ? $" and {images.Count - NamedFiles} more" : string.Empty);
            return new RequestTooLargeException(images.Select(i => i.Source).ToList(), total,
                $"The {images.Count} images of this request are {MessageText.Megabytes(total, limit)} together as prepared: {named}; "
                + $"the service takes at most {atMost} of images per request, so nothing was sent.",
                "Send fewer images per request (-PerImage sends each alone), or make them smaller: " + smaller);
        }
    }
}
