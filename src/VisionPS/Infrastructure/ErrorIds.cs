using System;
using System.Management.Automation;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// The stable error ids VisionPS writes (the first part of <c>FullyQualifiedErrorId</c>). Scripts match on
    /// these; never rename one.
    /// </summary>
    internal static class ErrorIds
    {
        public const string ImageNotFound = "ImageNotFound";
        public const string ImageDecodeFailed = "ImageDecodeFailed";
        public const string UnsupportedImageFormat = "UnsupportedImageFormat";

        /// <summary>An error record whose message is <paramref name="message"/> (naming the file and the problem).</summary>
        public static ErrorRecord Create(Exception ex, string id, ErrorCategory category, object? target, string message)
        {
            return new ErrorRecord(ex, id, category, target)
            {
                ErrorDetails = new ErrorDetails(message),
            };
        }
    }
}
