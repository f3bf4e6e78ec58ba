using System;
using System.Management.Automation;
using VisionPS.Core;
using VisionPS.Core.Imaging;

namespace VisionPS.Infrastructure
{
    /// <summary>The -Format values of ConvertTo-VisionImage.</summary>
    public enum VisionImageFormat
    {
        Auto,
        Png,
        Jpeg,
        WebP,
    }

    /// <summary>How a cmdlet's image parameters become <see cref="PrepareOptions"/>; shared so every cmdlet sizes alike.</summary>
    internal static class PrepareParameters
    {
        public static PrepareOptions Build(string? model, ImageDetail detail, int? maxSide, long? maxBytes,
            VisionImageFormat format = VisionImageFormat.Auto, int? quality = null, bool allowPartial = false)
        {
            var options = new PrepareOptions
            {
                Model = model,
                Detail = detail,
                AllowPartial = allowPartial,
                Format = format switch
                {
                    VisionImageFormat.Png => PreparedFormat.Png,
                    VisionImageFormat.Jpeg => PreparedFormat.Jpeg,
                    VisionImageFormat.WebP => PreparedFormat.WebP,
                    _ => PreparedFormat.Auto,
                },
            };
            if (maxSide is int side)
            {
                options.MaxSide = side;
            }
            if (maxBytes is long bytes)
            {
                options.MaxBytes = bytes;
            }
            if (quality is int q)
            {
                options.Quality = q;
                options.AdaptiveQuality = false; // a quality the user names is the quality sent
            }
            return options;
        }

        /// <summary>
        /// Writes what was decided for an image to the verbose stream and each preparation warning (damaged file sent
        /// in part, first frame of an animation, reduced to fit the byte limit) to the warning stream.
        /// </summary>
        public static void Report(VisionImage image, Action<string> verbose, Action<string> warning)
        {
            verbose(Describe(image));
            foreach (string w in image.Warnings)
            {
                warning(w);
            }
        }

        /// <summary>One verbose line saying what was decided for an image.</summary>
        public static string Describe(VisionImage image) => image.Prepared is null
            ? $"{image.Source}: URL passed through for the service to download."
            : image.Prepared.Action == PrepareAction.Pass
                ? $"{image.Source}: passed through as {image.MimeType} {image.Width}x{image.Height} ({image.Length} bytes), ~{image.EstimatedTokens} tokens."
                : $"{image.Source}: {image.SourceFormat} {image.SourceWidth}x{image.SourceHeight}"
                  + (image.OrientationApplied != 1 ? $" (orientation {image.OrientationApplied} applied)" : string.Empty)
                  + $" re-encoded to {image.MimeType} {image.Width}x{image.Height} ({image.Length} bytes), ~{image.EstimatedTokens} tokens.";
    }
}
