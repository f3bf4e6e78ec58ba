namespace VisionPS.Core
{
    /// <summary>
    /// Joins text from elsewhere (an exception's message, a decoder's reason) into VisionPS's own sentences: .NET's
    /// messages end with a period and VisionPS's details do not, so a message built as "...: {ex.Message}. Do this."
    /// read "denied.. Do this." for one and "given Do this." for the other.
    /// </summary>
    public static class MessageText
    {
        /// <summary>
        /// How many images and PDF documents, in words: "1 image", "2 images and 1 PDF", "3 PDFs" (what -WhatIf and
        /// -Confirm say a request or message carries: a PDF is not an image).
        /// </summary>
        public static string ImagesAndPdfs(int images, int pdfs)
        {
            string imageText = images + (images == 1 ? " image" : " images");
            string pdfText = pdfs + (pdfs == 1 ? " PDF" : " PDFs");
            return pdfs == 0 ? imageText : images == 0 ? pdfText : imageText + " and " + pdfText;
        }

        /// <summary>What the estimated tokens of inputs with <paramref name="pdfs"/> PDFs among them are: "image tokens", or "image and PDF tokens".</summary>
        public static string InputTokens(int pdfs) => pdfs == 0 ? "image tokens" : "image and PDF tokens";

        /// <summary>The text as a whole sentence: trimmed, ending with exactly one '.' (or its own '!' or '?').</summary>
        public static string Sentence(string? text)
        {
            string clause = Clause(text);
            return clause.Length == 0 || clause.EndsWith("!", System.StringComparison.Ordinal) || clause.EndsWith("?", System.StringComparison.Ordinal)
                ? clause
                : clause + ".";
        }

        /// <summary>The text to go inside a sentence that ends it: trimmed, its closing periods removed.</summary>
        public static string Clause(string? text) => (text ?? string.Empty).Trim().TrimEnd('.', ' ', '\r', '\n', '\t');

        /// <summary>
        /// A size compared with a limit stated in megabytes of 10^6 bytes (32 MB of PDF, 50 MB of images): in MB to two
        /// decimals, or in bytes when <paramref name="bytes"/> and <paramref name="limit"/> round to the same MB
        /// (50,000,001 bytes is not "50 MB; at most 50 MB"). Give the size over the limit as <paramref name="other"/>
        /// when writing the limit, so both are written in the same unit.
        /// </summary>
        public static string Megabytes(long bytes, long limit, long? other = null)
        {
            static string Mb(long b) => (b / 1e6).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + " MB";
            long size = other ?? bytes;
            return Mb(size) == Mb(limit) ? bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " bytes" : Mb(bytes);
        }

        /// <summary>
        /// An argument exception's message without the parameter-name suffix .NET appends to it (" (Parameter 'x')", or
        /// "Parameter name: x" on its own line on .NET Framework): the user's words, not the method's.
        /// </summary>
        public static string WithoutParamName(System.ArgumentException ex)
        {
            string text = ex.Message;
            if (ex.ParamName is string name)
            {
                foreach (string suffix in new[] { $" (Parameter '{name}')", $"{System.Environment.NewLine}Parameter name: {name}" })
                {
                    if (text.EndsWith(suffix, System.StringComparison.Ordinal))
                    {
                        text = text.Substring(0, text.Length - suffix.Length);
                    }
                }
            }
            return text;
        }
    }
}
