using System;

namespace VisionPS.Core.Documents
{
    /// <summary>A PDF that cannot be sent, with the reason and a message naming the file.</summary>
    public sealed class PdfCheckException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public PdfCheckException(string name, PdfProblem problem, string message, Exception? inner = null)
            : base(message, inner)
        {
            Name = name;
            Problem = problem;
        }

        /// <summary>The file (or source) the problem is about.</summary>
        public string Name { get; }

        /// <summary>What is wrong.</summary>
        public PdfProblem Problem { get; }
    }
}
