using System;
using System.Collections.Generic;

namespace VisionPS.Core.OpenAI
{
    /// <summary>Removes the connection's credentials from any text that could reach a user, a log or an exception.</summary>
    internal sealed class SecretScrubber
    {
        private readonly List<string> _secrets = new List<string>();

        internal SecretScrubber(params string?[] secrets)
        {
            foreach (string? s in secrets)
            {
                // Very short values would redact ordinary words; real keys and tokens are long.
                if (!string.IsNullOrEmpty(s) && s!.Length >= 8)
                {
                    _secrets.Add(s);
                }
            }
        }

        internal static SecretScrubber None { get; } = new SecretScrubber();

        /// <summary>
        /// Removes the credentials from an answer's text, JSON and refusal (a service that repeats the key it was sent);
        /// marks the answer <see cref="ChatAnswer.KeyRedacted"/> when it held one. Returns <paramref name="answer"/>.
        /// </summary>
        internal ChatAnswer Scrub(ChatAnswer answer)
        {
            string text = Scrub(answer.Text);
            string? json = answer.Json is null ? null : Scrub(answer.Json);
            string? refusal = answer.Refusal is null ? null : Scrub(answer.Refusal);
            if (!ReferenceEquals(text, answer.Text) || !ReferenceEquals(json, answer.Json) || !ReferenceEquals(refusal, answer.Refusal))
            {
                answer.Text = text;
                answer.Json = json;
                answer.Refusal = refusal;
                answer.KeyRedacted = true;
            }
            return answer;
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
                string text = _owner.Scrub(_held + piece);
                int hold = _owner.HeldBack(text);
                _held = text.Substring(text.Length - hold);
                return text.Substring(0, text.Length - hold);
            }

            /// <summary>The rest, at the end of the text.</summary>
            internal string End()
            {
                string rest = _held;
                _held = string.Empty;
                return rest;
            }
        }

        /// <summary>How long an end of <paramref name="text"/> may be the start of a credential (or of its masked middle).</summary>
        private int HeldBack(string text)
        {
            int hold = 0;
            foreach (string secret in _secrets)
            {
                hold = Math.Max(hold, StartAtEnd(text, secret));
                if (secret.Length >= 20)
                {
                    hold = Math.Max(hold, StartAtEnd(text, secret.Substring(6, secret.Length - 10)));
                }
            }
            return hold;
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

        internal string Scrub(string text)
        {
            foreach (string secret in _secrets)
            {
                int at;
                while ((at = text.IndexOf(secret, StringComparison.Ordinal)) >= 0)
                {
                    text = text.Substring(0, at) + "[redacted]" + text.Substring(at + secret.Length);
                }
                // A service may echo a key partly masked (sk-...abcd); the long middle is what must not show.
                if (secret.Length >= 20)
                {
                    string middle = secret.Substring(6, secret.Length - 10);
                    while ((at = text.IndexOf(middle, StringComparison.Ordinal)) >= 0)
                    {
                        text = text.Substring(0, at) + "[redacted]" + text.Substring(at + middle.Length);
                    }
                }
            }
            return text;
        }
    }
}
