using System;
using System.Globalization;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// A model name as the service takes it: surrounding whitespace (a pasted name, a saved default) is dropped; a name
    /// that is blank, or holds whitespace or a control character inside it, is refused in words before anything is sent
    /// (the service would answer model_not_found, or the name would not survive an HTTP header or a batch file).
    /// </summary>
    public static class ModelName
    {
        /// <summary>
        /// <paramref name="name"/> without surrounding whitespace; throws <see cref="ArgumentException"/> naming
        /// <paramref name="where"/> (e.g. "-Model") and the problem when no model can have that name.
        /// </summary>
        public static string Normalize(string? name, string where)
        {
            string trimmed = (name ?? string.Empty).Trim();
            if (trimmed.Length == 0)
            {
                throw new ArgumentException($"{where} is blank: give a model name such as gpt-4o.", where);
            }
            for (int i = 0; i < trimmed.Length; i++)
            {
                char c = trimmed[i];
                if (char.IsControl(c) || char.IsWhiteSpace(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
                {
                    string what = char.IsWhiteSpace(c) && !char.IsControl(c) ? "a space" : $"a control character (U+{(int)c:X4})";
                    throw new ArgumentException(
                        $"{where} '{Printable(trimmed)}' holds {what} at position {i + 1}; a model name has no spaces or control characters. Give the name as the service lists it, such as gpt-4o.",
                        where);
                }
            }
            return trimmed;
        }

        /// <summary>The name with control characters shown as \uXXXX (an error message must not carry them).</summary>
        private static string Printable(string name)
        {
            var text = new System.Text.StringBuilder(name.Length);
            foreach (char c in name)
            {
                text.Append(char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format ? $"\\u{(int)c:X4}" : c.ToString());
            }
            return text.ToString();
        }
    }
}
