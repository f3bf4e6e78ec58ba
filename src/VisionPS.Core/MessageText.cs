namespace VisionPS.Core
{
    /// <summary>
    /// Joins text from elsewhere (an exception's message, a decoder's reason) into VisionPS's own sentences: .NET's
    /// messages end with a period and VisionPS's details do not, so a message built as "...: {ex.Message}. Do this."
    /// read "denied.. Do this." for one and "given Do this." for the other.
    /// </summary>
    public static class MessageText
    {
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
    }
}
