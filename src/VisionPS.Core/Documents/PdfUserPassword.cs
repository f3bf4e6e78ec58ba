using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Tokens;

namespace VisionPS.Core.Documents
{
    /// <summary>
    /// Whether an encrypted PDF opens with an EMPTY user password, as a reader opens it without asking (ISO 32000-2, 7.6.4).
    /// PdfPig tries the empty string as the owner password first and the user password after, and does not say which one
    /// matched (0.1.16: its handler is internal and has no option to try only the user password): a file with a user
    /// password and an empty owner password opens in PdfPig although Acrobat and pdf.js ask for the password. So the
    /// standard security handler's user-password check is done here: Algorithms 2 and 4/5 (R2-R4: /U from the empty user
    /// password, /O, /P, /ID) and 2.A/2.B (R5/R6: the empty password against /U's validation salt).
    /// </summary>
    internal static class PdfUserPassword
    {
        private static readonly byte[] s_padding =
        [
            0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
            0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
        ];

        /// <summary>
        /// True when the open document is not encrypted or its user password is empty; false when it needs a password, or
        /// its encryption is not the standard handler's that can be checked (a certificate handler, a revision unknown).
        /// </summary>
        public static bool IsEmpty(PdfDocument document)
        {
            if (!document.IsEncrypted)
            {
                return true;
            }
            IToken? token = document.Structure.Trailer.EncryptionToken;
            if (token is IndirectReferenceToken reference)
            {
                token = document.Structure.GetObject(reference.Data)?.Data;
            }
            if (token is not DictionaryToken encrypt || Name(encrypt, "Filter") != "Standard")
            {
                return false;
            }
            int revision = Number(encrypt, "R") ?? 0;
            byte[]? o = Bytes(encrypt, "O"), u = Bytes(encrypt, "U");
            if (o is null || u is null)
            {
                return false;
            }
            switch (revision)
            {
                case 5:
                case 6:
                    if (u.Length < 40)
                    {
                        return false;
                    }
                    // Algorithm 11 (2.A step a): hash(password + user validation salt) equals /U's first 32 bytes.
                    byte[] salt = u.AsSpan(32, 8).ToArray();
                    byte[] hash = revision == 5 ? Hash(SHA256.Create, salt) : Hash2B([], salt, []);
                    return hash.AsSpan().SequenceEqual(u.AsSpan(0, 32));
                case 2:
                case 3:
                case 4:
                    return MatchesU(encrypt, revision, o, u, FirstId(document));
                default:
                    return false;
            }
        }

        /// <summary>Algorithm 6 with the empty user password: Algorithm 2's key, then 4 (R2) or 5 (R3/R4) compared with /U.</summary>
        private static bool MatchesU(DictionaryToken encrypt, int revision, byte[] o, byte[] u, byte[] id)
        {
            int v = Number(encrypt, "V") ?? 0;
            // The key length: 5 bytes for R2, else /Length in bits (40 when absent; an AESV2 handler's key is 16 bytes).
            int length = revision == 2 ? 5 : Math.Min(Math.Max((Number(encrypt, "Length") ?? (v == 4 ? 128 : 40)) / 8, 5), 16);
            int p = Number(encrypt, "P") ?? 0;
            bool encryptMetadata = !(encrypt.Data.TryGetValue("EncryptMetadata", out IToken? em) && em is BooleanToken { Data: false });
            // Algorithm 2: MD5 of the padded password, /O, /P (4 bytes, low-order first), the first /ID, and for R4 with
            // unencrypted metadata 0xFFFFFFFF; for R3+ 50 more MD5s of the first n bytes.
            var input = new List<byte>(s_padding);
            input.AddRange(o.Length >= 32 ? o.Take(32) : o);
            input.AddRange(new[] { (byte)p, (byte)(p >> 8), (byte)(p >> 16), (byte)(p >> 24) });
            input.AddRange(id);
            if (revision >= 4 && !encryptMetadata)
            {
                input.AddRange(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF });
            }
            byte[] key = Hash(MD5.Create, input.ToArray());
            if (revision >= 3)
            {
                for (int i = 0; i < 50; i++)
                {
                    key = Hash(MD5.Create, key.AsSpan(0, length).ToArray());
                }
            }
            key = key.AsSpan(0, length).ToArray();
            if (revision == 2)
            {
                // Algorithm 4: RC4 of the padding with the key is /U.
                return u.Length >= 32 && Rc4(key, s_padding).AsSpan().SequenceEqual(u.AsSpan(0, 32));
            }
            // Algorithm 5: MD5(padding + first /ID), RC4 with the key, then 19 more with the key XOR i: /U's first 16 bytes.
            byte[] x = Rc4(key, Hash(MD5.Create, [.. s_padding, .. id]));
            for (int i = 1; i <= 19; i++)
            {
                byte[] k = key.Select(b => (byte)(b ^ i)).ToArray();
                x = Rc4(k, x);
            }
            return u.Length >= 16 && x.AsSpan().SequenceEqual(u.AsSpan(0, 16));
        }

        /// <summary>Algorithm 2.B (ISO 32000-2, 7.6.4.3.4): the R6 hash of a password with a salt (and /U for the owner).</summary>
        private static byte[] Hash2B(byte[] password, byte[] salt, byte[] userKey)
        {
            byte[] k = Hash(SHA256.Create, [.. password, .. salt, .. userKey]);
            using Aes aes = Aes.Create();
            for (int round = 0; ; )
            {
                byte[] k1 = [.. password, .. k, .. userKey];
                byte[] repeated = new byte[k1.Length * 64];
                for (int i = 0; i < 64; i++)
                {
                    k1.CopyTo(repeated, i * k1.Length);
                }
                aes.Key = k.AsSpan(0, 16).ToArray();
                aes.IV = k.AsSpan(16, 16).ToArray();
                aes.Mode = CipherMode.CBC;
                aes.Padding = PaddingMode.None;
                byte[] e;
                using (ICryptoTransform encryptor = aes.CreateEncryptor())
                {
                    e = encryptor.TransformFinalBlock(repeated, 0, repeated.Length);
                }
                int sum = 0;
                for (int i = 0; i < 16; i++)
                {
                    sum += e[i];
                }
                k = (sum % 3) switch
                {
                    0 => Hash(SHA256.Create, e),
                    1 => Hash(SHA384.Create, e),
                    _ => Hash(SHA512.Create, e),
                };
                round++;
                if (round >= 64 && e[e.Length - 1] <= round - 32)
                {
                    return k.AsSpan(0, 32).ToArray();
                }
            }
        }

        /// <summary>A one-shot hash that .NET Framework 4.7.2 has too (HashData is .NET 5+).</summary>
        private static byte[] Hash(Func<HashAlgorithm> create, byte[] data)
        {
            using HashAlgorithm algorithm = create();
            return algorithm.ComputeHash(data);
        }

        /// <summary>RC4 (ARCFOUR), the cipher of PDF's revision 2 to 4 security handlers.</summary>
        internal static byte[] Rc4(byte[] key, byte[] data)
        {
            byte[] s = new byte[256];
            for (int i = 0; i < 256; i++)
            {
                s[i] = (byte)i;
            }
            for (int i = 0, j = 0; i < 256; i++)
            {
                j = (j + s[i] + key[i % key.Length]) & 255;
                (s[i], s[j]) = (s[j], s[i]);
            }
            byte[] output = new byte[data.Length];
            for (int n = 0, i = 0, j = 0; n < data.Length; n++)
            {
                i = (i + 1) & 255;
                j = (j + s[i]) & 255;
                (s[i], s[j]) = (s[j], s[i]);
                output[n] = (byte)(data[n] ^ s[(s[i] + s[j]) & 255]);
            }
            return output;
        }

        private static byte[] FirstId(PdfDocument document)
        {
            IReadOnlyList<IToken>? ids = document.Structure.Trailer.Identifier;
            return ids is { Count: > 0 } ? Bytes(ids[0]) ?? [] : [];
        }

        private static string? Name(DictionaryToken dictionary, string key) =>
            dictionary.Data.TryGetValue(key, out IToken? token) && token is NameToken name ? name.Data : null;

        private static int? Number(DictionaryToken dictionary, string key) =>
            dictionary.Data.TryGetValue(key, out IToken? token) && token is NumericToken number ? unchecked((int)number.Long) : null;

        private static byte[]? Bytes(DictionaryToken dictionary, string key) =>
            dictionary.Data.TryGetValue(key, out IToken? token) ? Bytes(token) : null;

        private static byte[]? Bytes(IToken token) => token switch
        {
            HexToken hex => hex.Bytes.ToArray(),
            StringToken text => text.GetBytes(),
            _ => null,
        };
    }
}
