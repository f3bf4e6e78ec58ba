using System;
using System.Collections.Generic;
using System.Text;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// Removes the connection's credentials from any text that could reach a user, a log or an exception: written as
    /// they are, or with JSON escapes (sk-\u0070roj-..., \/), which a JSON parser (the -JsonSchema Object, ConvertFrom-Json)
    /// turns back into the credential.
    /// </summary>
    internal sealed class SecretScrubber
    {
        private const string Redacted = "[redacted]";

        // Each credential, and the long middle of each long one: a service may echo a key partly masked (sk-...abcd).
        private readonly List<string> _needles = new List<string>();

        internal SecretScrubber(params string?[] secrets)
        {
            foreach (string? s in secrets)
            {
                // Very short values would redact ordinary words; real keys and tokens are long.
                if (!string.IsNullOrEmpty(s) && s!.Length >= 8)
                {
                    _needles.Add(s);
                    if (s.Length >= 20)
                    {
                        _needles.Add(s.Substring(6, s.Length - 10));
                    }
                }
            }
        }

        internal static SecretScrubber None { get; } = new SecretScrubber();

        /// <summary>
        /// Removes the credentials from every text of an answer (a service that repeats the key it was sent): its text,
        /// JSON and refusal, and the model, id, conversation and finish reason it names; marks the answer
        /// <see cref="ChatAnswer.KeyRedacted"/> when it held one. Returns <paramref name="answer"/>.
        /// </summary>
        internal ChatAnswer Scrub(ChatAnswer answer)
        {
            bool found = false;
            answer.Text = Scrub(answer.Text, ref found)!;
            answer.Json = Scrub(answer.Json, ref found);
            answer.Refusal = Scrub(answer.Refusal, ref found);
            answer.Model = Scrub(answer.Model, ref found);
            answer.FinishReason = Scrub(answer.FinishReason, ref found);
            answer.ResponseId = Scrub(answer.ResponseId, ref found);
            answer.ConversationId = Scrub(answer.ConversationId, ref found);
            answer.KeyRedacted |= found;
            return answer;
        }

        private string? Scrub(string? text, ref bool found)
        {
            if (text is null)
            {
                return null;
            }
            string scrubbed = Scrub(text);
            found |= !ReferenceEquals(scrubbed, text);
            return scrubbed;
        }

        /// <summary><paramref name="text"/> with each credential replaced by "[redacted]"; the same instance when it holds none.</summary>
        internal string Scrub(string text) => Redact(text, Find(text), text.Length);

        /// <summary>Where the credentials are in <paramref name="text"/> (start, end), in the order found; null when nowhere.</summary>
        private List<(int Start, int End)>? Find(string text)
        {
            if (_needles.Count == 0 || text.Length == 0)
            {
                return null;
            }
            var decoded = new Unescaped(text);
            List<(int Start, int End)>? found = null;
            foreach (string needle in _needles)
            {
                // One pass: each search goes on from the end of the last match.
                for (int at = decoded.Text.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = decoded.Text.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
                {
                    (found ??= new List<(int, int)>()).Add((decoded.Source(at), decoded.Source(at + needle.Length)));
                }
            }
            return found;
        }

        /// <summary>The first <paramref name="length"/> characters of <paramref name="text"/> with <paramref name="found"/> replaced, in one pass.</summary>
        private static string Redact(string text, List<(int Start, int End)>? found, int length)
        {
            if (found is null)
            {
                return length == text.Length ? text : text.Substring(0, length);
            }
            found.Sort();
            var result = new StringBuilder(length);
            int copied = 0;
            foreach ((int start, int end) in found)
            {
                if (end > length || end <= copied)
                {
                    continue; // past the part wanted, or within a credential already replaced
                }
                if (start >= copied)
                {
                    result.Append(text, copied, start - copied).Append(Redacted);
                }
                copied = end; // an overlapping match (the middle of a key, or a key found twice) widens the last one
            }
            return result.Append(text, copied, length - copied).ToString();
        }

        /// <summary>
        /// Removes the credentials from text that comes in pieces (a stream's deltas), a credential split across pieces
        /// included: each piece gives what is safe to show now, holding back an end that may be the start of one.
        /// </summary>
        internal Pieces NewPieces() => new Pieces(this);

        /// <summary>See <see cref="NewPieces"/>.</summary>
        internal sealed class Pieces
        {
            private readonly SecretScrubber _owner;
            private string _held = string.Empty;

            internal Pieces(SecretScrubber owner) => _owner = owner;

            /// <summary>The text safe to show after <paramref name="piece"/> (possibly empty).</summary>
            internal string Next(string piece)
            {
                string text = _held + piece;
                List<(int Start, int End)>? found = _owner.Find(text);
                int cut = text.Length - _owner.HeldBack(text);
                if (found is not null)
                {
                    // A credential that reaches past the cut is held back whole, and replaced when it is shown.
                    found.Sort();
                    for (int i = found.Count - 1; i >= 0; i--)
                    {
                        if (found[i].Start < cut && found[i].End > cut)
                        {
                            cut = found[i].Start;
                        }
                    }
                }
                _held = text.Substring(cut);
                return Redact(text, found, cut);
            }

            /// <summary>The rest, at the end of the text.</summary>
            internal string End()
            {
                string rest = _owner.Scrub(_held);
                _held = string.Empty;
                return rest;
            }
        }

        /// <summary>
        /// How long an end of <paramref name="text"/> may be the start of a credential (or of its masked middle), as written
        /// or with JSON escapes, an escape cut short at the end included.
        /// </summary>
        private int HeldBack(string text)
        {
            var decoded = new Unescaped(text);
            int hold = 0;
            foreach (string needle in _needles)
            {
                hold = Math.Max(hold, StartAtEnd(decoded.Text, needle));
            }
            return text.Length - decoded.Source(decoded.Text.Length - hold);
        }

        private static int StartAtEnd(string text, string secret)
        {
            for (int n = Math.Min(text.Length, secret.Length - 1); n > 0; n--)
            {
                if (string.CompareOrdinal(text, text.Length - n, secret, 0, n) == 0)
                {
                    return n;
                }
            }
            return 0;
        }

        /// <summary>
        /// A text with its JSON escapes (\uXXXX, \/, \", \\, \n, ...) read, and where each character of it came from in the
        /// text; a backslash that starts no escape is itself, and an escape cut short at the end of the text is left out.
        /// </summary>
        private readonly struct Unescaped
        {
            // From Points[i] on, the characters of Text came from the text at Sources[i] on, one for one.
            private readonly List<int>? _points;
            private readonly List<int>? _sources;

            internal Unescaped(string text)
            {
                _points = null;
                _sources = null;
                int slash = text.IndexOf('\\');
                if (slash < 0)
                {
                    Text = text;
                    return;
                }
                _points = new List<int> { 0 };
                _sources = new List<int> { 0 };
                var read = new StringBuilder(text.Length);
                int from = 0;
                for (; slash >= 0; slash = text.IndexOf('\\', from))
                {
                    read.Append(text, from, slash - from);
                    int length = EscapeLength(text, slash, out char value);
                    if (length == 0)
                    {
                        Text = read.ToString(); // cut short: the rest is not read
                        return;
                    }
                    if (length < 0)
                    {
                        read.Append('\\');
                        from = slash + 1;
                        continue;
                    }
                    _points.Add(read.Length);
                    _sources.Add(slash);
                    read.Append(value);
                    _points.Add(read.Length);
                    _sources.Add(slash + length);
                    from = slash + length;
                }
                Text = read.Append(text, from, text.Length - from).ToString();
            }

            internal string Text { get; }

            /// <summary>Where the character at <paramref name="index"/> of <see cref="Text"/> (or its end) starts in the text.</summary>
            internal int Source(int index)
            {
                if (_points is null)
                {
                    return index;
                }
                int i = _points.BinarySearch(index);
                i = i >= 0 ? i : ~i - 1;
                return _sources![i] + (index - _points[i]);
            }

            /// <summary>The length of the escape at <paramref name="at"/>; 0 when the text ends within it, -1 when it is none.</summary>
            private static int EscapeLength(string text, int at, out char value)
            {
                value = '\0';
                if (at + 1 >= text.Length)
                {
                    return 0;
                }
                switch (text[at + 1])
                {
                    case '"': value = '"'; return 2;
                    case '\\': value = '\\'; return 2;
                    case '/': value = '/'; return 2;
                    case 'b': value = '\b'; return 2;
                    case 'f': value = '\f'; return 2;
                    case 'n': value = '\n'; return 2;
                    case 'r': value = '\r'; return 2;
                    case 't': value = '\t'; return 2;
                    case 'u':
                        int code = 0;
                        for (int k = at + 2; k < at + 6; k++)
                        {
                            if (k >= text.Length)
                            {
                                return 0;
                            }
                            int digit = HexDigit(text[k]);
                            if (digit < 0)
                            {
                                return -1;
                            }
                            code = (code * 16) + digit;
                        }
                        value = (char)code;
                        return 6;
                    default:
                        return -1;
                }
            }

            private static int HexDigit(char c)
                => c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        }
    }
}
