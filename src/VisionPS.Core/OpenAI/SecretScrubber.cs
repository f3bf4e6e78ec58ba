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
