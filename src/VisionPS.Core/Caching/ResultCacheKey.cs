using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace VisionPS.Core.Caching
{
    /// <summary>
    /// Builds a content address for an answer: everything that decides it (endpoint, model, API, prompt, system
    /// prompt, options, and the SHA-256 of each prepared image's bytes), as named parts, order-sensitive.
    /// Each part is length-prefixed, so no two different sets of parts can produce the same input to the hash.
    /// </summary>
    public sealed class ResultCacheKey
    {
        private readonly List<KeyValuePair<string, string>> _parts = new List<KeyValuePair<string, string>>();

        /// <summary>Adds a named part; null is distinct from empty.</summary>
        public ResultCacheKey Add(string name, string? value)
        {
            _parts.Add(new KeyValuePair<string, string>(name, value is null ? "\u0000null" : "=" + value));
            return this;
        }

        /// <summary>The key: lowercase hex SHA-256 of the parts.</summary>
        public string Compute()
        {
            var text = new StringBuilder();
            foreach (KeyValuePair<string, string> part in _parts)
            {
                text.Append(part.Key.Length).Append(':').Append(part.Key)
                    .Append(part.Value.Length).Append(':').Append(part.Value);
            }
            using var sha = SHA256.Create();
            byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString()));
            return Hex(hash);
        }

        internal static string Hex(byte[] bytes)
        {
            var chars = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = "0123456789abcdef"[bytes[i] >> 4];
                chars[(2 * i) + 1] = "0123456789abcdef"[bytes[i] & 15];
            }
            return new string(chars);
        }
    }
}
