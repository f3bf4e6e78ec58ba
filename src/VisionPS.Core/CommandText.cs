using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace VisionPS.Core
{
    /// <summary>
    /// Values from elsewhere (an id the service answered, a path) written into a PowerShell command the user copies and
    /// runs, such as "remove them with: Remove-VisionFile ...": each stays one argument with its own value, never code of
    /// its own (an id "file-1; Remove-Item ~ -Recurse #" from a hostile or broken service or proxy).
    /// </summary>
    public static class CommandText
    {
        // One word PowerShell reads as that very text: a letter first, so never a number (1e5, 0x10, 1kb) or a parameter.
        private static readonly Regex s_bareWord = new Regex(@"^[A-Za-z][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant);

        // The characters PowerShell takes as a single quote (its tokenizer's list): each is doubled inside '...'.
        private const string SingleQuotes = "'\u2018\u2019\u201A\u201B";

        /// <summary>
        /// <paramref name="value"/> as one command argument: a bare word when it is one (file-abc123), else a single-quoted
        /// string with its quotes doubled and the characters that do not print (control, format, line breaks) left out.
        /// </summary>
        public static string Argument(string value)
        {
            if (s_bareWord.IsMatch(value))
            {
                return value;
            }
            var quoted = new StringBuilder(value.Length + 2).Append('\'');
            foreach (char c in value)
            {
                UnicodeCategory category = CharUnicodeInfo.GetUnicodeCategory(c);
                if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                {
                    continue;
                }
                if (SingleQuotes.IndexOf(c) >= 0)
                {
                    quoted.Append(c);
                }
                quoted.Append(c);
            }
            return quoted.Append('\'').ToString();
        }

        /// <summary>Several values as one list argument: file-a, 'file b'.</summary>
        public static string Arguments(IEnumerable<string> values) => string.Join(", ", values.Select(Argument));
    }
}
