using System;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    public class Adler32Tests
    {
        /// <summary>RFC 1950's definition, one byte and one modulo at a time.</summary>
        private static uint Reference(uint adler, byte[] data, int from, int count)
        {
            uint a = adler & 0xFFFF, s = adler >> 16;
            for (int i = from; i < from + count; i++)
            {
                a = (a + data[i]) % 65521;
                s = (s + a) % 65521;
            }
            return (s << 16) | a;
        }

        /// <summary>
        /// The 32-byte-block path and the byte loop after it give RFC 1950's checksum for every length around the block
        /// and run sizes (32, 5552), for the largest sums (all 0xFF) and for a checksum continued across calls.
        /// </summary>
        [Theory]
        [InlineData("random")]
        [InlineData("ff")]
        [InlineData("zero")]
        public void MatchesTheDefinitionAtEveryLengthAndSplit(string content)
        {
            var random = new Random(content.Length);
            byte[] data = new byte[3 * 5552 + 100];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = content switch { "ff" => 0xFF, "zero" => 0, _ => (byte)random.Next(256) };
            }
            foreach (int n in new[] { 0, 1, 31, 32, 33, 63, 64, 65, 5535, 5536, 5537, 5551, 5552, 5553, 11104, 11105, data.Length })
            {
                Assert.Equal(Reference(1, data, 0, n), Adler32.Update(1, data, n));
            }
            // Continued: the checksum of the first part carried into the second (the inflater's 64 KB reads).
            byte[] rest = data.AsSpan(777).ToArray();
            uint first = Adler32.Update(1, data, 777);
            Assert.Equal(Reference(1, data, 0, data.Length), Adler32.Update(first, rest, rest.Length));
            // A start value with both halves near the modulus.
            uint start = (65520u << 16) | 65520u;
            Assert.Equal(Reference(start, data, 0, data.Length), Adler32.Update(start, data, data.Length));
        }
    }
}
