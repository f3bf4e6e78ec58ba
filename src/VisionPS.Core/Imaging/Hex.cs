namespace VisionPS.Core.Imaging
{
    /// <summary>Lower-case hexadecimal text of bytes (hashes, checksums in messages).</summary>
    internal static class Hex
    {
        public static string Lower(byte[] bytes)
        {
            var chars = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = Digit(bytes[i] >> 4);
                chars[(2 * i) + 1] = Digit(bytes[i] & 0xF);
            }
            return new string(chars);
        }

        /// <summary>"89 50 4e 47": bytes quoted in a message.</summary>
        public static string Spaced(System.ReadOnlySpan<byte> bytes)
        {
            var chars = new char[System.Math.Max(0, (bytes.Length * 3) - 1)];
            for (int i = 0; i < bytes.Length; i++)
            {
                if (i > 0)
                {
                    chars[(3 * i) - 1] = ' ';
                }
                chars[3 * i] = Digit(bytes[i] >> 4);
                chars[(3 * i) + 1] = Digit(bytes[i] & 0xF);
            }
            return new string(chars);
        }

        private static char Digit(int v) => (char)(v < 10 ? '0' + v : 'a' + v - 10);
    }
}
