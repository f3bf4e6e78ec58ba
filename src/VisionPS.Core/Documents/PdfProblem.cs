namespace VisionPS.Core.Documents
{
    /// <summary>Why a PDF cannot be sent.</summary>
    public enum PdfProblem
    {
        /// <summary>The file does not start like a PDF (<c>%PDF-</c>).</summary>
        NotAPdf,

        /// <summary>It starts like a PDF but cannot be read (truncated, broken cross-reference, no pages).</summary>
        Damaged,

        /// <summary>It is encrypted with a user password, or for certificate holders (/Adobe.PubSec): it cannot be opened without it (one with permissions only, an empty user password, opens like any other).</summary>
        Encrypted,

        /// <summary>More pages than one request may carry.</summary>
        TooManyPages,

        /// <summary>More bytes than one request may carry.</summary>
        TooLarge,

        /// <summary>A page to turn into an image is not one embedded image without text.</summary>
        NotAScan,
    }
}
