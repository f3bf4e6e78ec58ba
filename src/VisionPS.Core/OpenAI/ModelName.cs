using System;
using System.Globalization;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// A model name as the service takes it: surrounding whitespace (a pasted name, a saved default) is dropped; a name
    /// that is blank, or holds a control character or whitespace other than a plain space inside it, is refused in words
    /// before anything is sent (the service would answer model_not_found, or the name would not survive a batch file).
    /// A plain space inside is refused only for OpenAI and Azure OpenAI, which have no such model: a compatible server
    /// (vLLM's --served-model-name, a llama.cpp alias, a gateway's route) may serve one under such a name.
    /// </summary>
    public static class ModelName
    {
        /// <summary>
        /// <paramref name="name"/> without surrounding whitespace; throws <see cref="ArgumentException"/> naming
        /// <paramref name="where"/> (e.g. "-Model") and the problem when no model can have that name.
        /// <paramref name="spacesAllowed"/>: the name goes to a compatible server (see <see cref="VisionConnection.IsOpenAIOrAzure"/>),
        /// so a plain space inside it is kept.
        /// </summary>
        public static string Normalize(string? name, string where, bool spacesAllowed = false)
        {
            string trimmed = (name ?? string.Empty).Trim();
            if (trimmed.Length == 0)
            {
                throw new ArgumentException($"{where} is blank: give a model name such as gpt-4o.", where);
            }
            for (int i = 0; i < trimmed.Length; i++)
            {
                char c = trimmed[i];
                if (c == ' ' && spacesAllowed)
                {
                    continue;
                }
                if (char.IsControl(c) || char.IsWhiteSpace(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
                {
                    string what = c == ' ' ? "a space" : char.IsWhiteSpace(c) && !char.IsControl(c) ? $"a space character (U+{(int)c:X4})" : $"a control character (U+{(int)c:X4})";
                    string rule = c == ' '
                        ? "OpenAI and Azure OpenAI name no model with a space (a compatible server given by -BaseUri may)"
                        : "a model name has no control characters and no spaces other than plain ones";
                    throw new ArgumentException(
                        $"{where} '{Printable(trimmed)}' holds {what} at position {i + 1}; {rule}. Give the name as the service lists it, such as gpt-4o.",
                        where);
                }
            }
            return trimmed;
        }

        /// <summary>Whether <paramref name="name"/> (normalized) holds a space: fine for a compatible server only.</summary>
        public static bool HasSpace(string name) => name.IndexOf(' ') >= 0;

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
