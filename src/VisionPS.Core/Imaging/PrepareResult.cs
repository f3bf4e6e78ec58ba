using System;

namespace VisionPS.Core.Imaging
{
    /// <summary>One item of <see cref="ImagePreparer.PrepareMany(System.Collections.Generic.IEnumerable{string}, PrepareOptions?, int, System.Threading.CancellationToken)"/>: the image or why it failed.</summary>
    public sealed class PrepareResult
    {
        internal PrepareResult(int index, string sourceName, PreparedImage? image, Exception? error, TimeSpan elapsed)
        {
            Index = index;
            SourceName = sourceName;
            Image = image;
            Error = error;
            Elapsed = elapsed;
        }

        /// <summary>Position in the input sequence.</summary>
        public int Index { get; }

        public string SourceName { get; }

        /// <summary>The prepared image, or null when <see cref="Error"/> is set.</summary>
        public PreparedImage? Image { get; }

        /// <summary>
        /// Why the image failed: an <see cref="ImageProcessingException"/> for image problems, an IOException or
        /// UnauthorizedAccessException when the file could not be read.
        /// </summary>
        public Exception? Error { get; }

        public bool Succeeded => Image is not null;

        /// <summary>Time spent preparing this image (reading, decoding, encoding).</summary>
        public TimeSpan Elapsed { get; }
    }
}
