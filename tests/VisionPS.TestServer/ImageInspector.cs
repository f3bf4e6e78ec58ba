using System;
using System.Security.Cryptography;
using SkiaSharp;

namespace VisionPS.TestServer
{
    /// <summary>What arrived: the decoded bytes' real format, size, frame count and hash.</summary>
    public sealed record ImageFacts(string Format, int Width, int Height, int Frames, long Bytes, string Sha256);

    /// <summary>Checks that image bytes really are a format the service accepts, as the service does.</summary>
    public static class ImageInspector
    {
        /// <summary>
        /// Per image: the service's documented limit (20 MB), counted as the request carries the image: an inline one as its
        /// data URL (base64, 4/3 of its bytes, with its <c>data:</c> prefix), an uploaded or downloaded one by its bytes.
        /// </summary>
        public const long MaxImageBytes = 20L * 1000 * 1000;

        /// <summary>
        /// Per request: all images together, and the PDFs sent inline (their <c>file_data</c> URLs), counted as
        /// <see cref="MaxImageBytes"/> is (50 MB).
        /// </summary>
        public const long MaxRequestImageBytes = 50L * 1000 * 1000;

        /// <summary>Pillow's decompression-bomb limit: larger images are refused from their header.</summary>
        public const long MaxPixels = 178_956_970;

        public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

        /// <summary>
        /// Inspects bytes; <paramref name="claimedMime"/> (if any) must match what they really are. <paramref name="carried"/>
        /// is the size the request carries the image as (its data URL's length when inline; its bytes otherwise).
        /// </summary>
        public static ImageFacts Inspect(byte[] bytes, string? claimedMime, string param, long? carried = null)
        {
            long size = carried ?? bytes.LongLength;
            if (size > MaxImageBytes)
            {
                string what = carried is null ? $"{size} bytes" : $"{size} bytes as its data URL ({bytes.LongLength} decoded)";
                throw new ApiError(400, $"Image too large: {what}. Images must be at most 20 MB each (param {param}).", param: param, code: "image_too_large");
            }
            using var data = SKData.CreateCopy(bytes);
            using var codec = SKCodec.Create(data);
            if (codec is null)
            {
                throw new ApiError(400, "You uploaded an unsupported image. Please make sure your image is valid.", param: param, code: "image_parse_error");
            }
            string format = codec.EncodedFormat switch
            {
                SKEncodedImageFormat.Png => "png",
                SKEncodedImageFormat.Jpeg => "jpeg",
                SKEncodedImageFormat.Webp => "webp",
                SKEncodedImageFormat.Gif => "gif",
                SKEncodedImageFormat other => other.ToString().ToLowerInvariant(),
            };
            if (format is not ("png" or "jpeg" or "webp" or "gif"))
            {
                throw new ApiError(400, $"You uploaded an unsupported image ({format}). Please make sure your image is below 20 MB in size and is of one the following formats: ['png', 'jpeg', 'gif', 'webp'].", param: param, code: "invalid_image_format");
            }
            if (claimedMime is not null && claimedMime != "image/" + format && !(format == "jpeg" && claimedMime == "image/jpg"))
            {
                throw new ApiError(400, $"Invalid image data: the data URL claims {claimedMime}, but the bytes are {format}. You uploaded an unsupported image. Please make sure your image is valid.", param: param, code: "invalid_image_format");
            }
            int frames = Math.Max(1, codec.FrameCount);
            if (format == "gif" && frames > 1)
            {
                throw new ApiError(400, $"You uploaded an unsupported image: animated GIFs ({frames} frames) are not supported. Please send a non-animated image.", param: param, code: "invalid_image_format");
            }
            SKImageInfo info = codec.Info;
            if ((long)info.Width * info.Height > MaxPixels || info.Width <= 0 || info.Height <= 0)
            {
                // A decompression bomb is refused from its header, before any pixel is decoded.
                throw new ApiError(400, $"Image dimensions {info.Width}x{info.Height} exceed the maximum the service processes.", param: param, code: "image_too_large");
            }
            // Decode small and medium images fully: a truncated or corrupt body must fail like it does at the service.
            if ((long)info.Width * info.Height <= 25_000_000)
            {
                var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
                using var bitmap = new SKBitmap(target);
                SKCodecResult result = codec.GetPixels(target, bitmap.GetPixels());
                if (result != SKCodecResult.Success)
                {
                    throw new ApiError(400, $"You uploaded an unsupported image. Please make sure your image is valid ({result}).", param: param, code: "image_parse_error");
                }
            }
            return new ImageFacts(format, info.Width, info.Height, frames, bytes.LongLength, Sha256Hex(bytes));
        }
    }
}
