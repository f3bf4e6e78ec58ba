using System;

namespace VisionPS.Core.Clipboard
{
    /// <summary>Why no image could be read from the clipboard.</summary>
    public enum ClipboardProblem
    {
        /// <summary>The clipboard holds no image (text, files, or nothing).</summary>
        NoImage,

        /// <summary>The clipboard cannot be reached: no display, or the tool that reads it is missing.</summary>
        Unavailable,

        /// <summary>The image on the clipboard is larger than the file budget.</summary>
        TooLarge,
    }

    /// <summary>An image could not be read from the clipboard; the message says why and what to do.</summary>
    public sealed class ClipboardException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public ClipboardException(ClipboardProblem problem, string message, Exception? inner = null)
            : base(message, inner)
        {
            Problem = problem;
        }

        /// <summary>What went wrong.</summary>
        public ClipboardProblem Problem { get; }
    }
}
