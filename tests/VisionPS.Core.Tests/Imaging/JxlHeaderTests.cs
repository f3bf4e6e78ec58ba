using System.Linq;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>The one JPEG XL header field read here, within the codestream's own box.</summary>
    public class JxlHeaderTests
    {
        private static byte[] Box(string type, params byte[] payload)
        {
            int size = 8 + payload.Length;
            return new byte[] { (byte)(size >> 24), (byte)(size >> 16), (byte)(size >> 8), (byte)size }
                .Concat(System.Text.Encoding.ASCII.GetBytes(type)).Concat(payload).ToArray();
        }

        [Fact]
        public void AFirstCodestreamPartShorterThanTheHeadersGivesNoVerdictRatherThanReadingTheNextBox()
        {
            byte[] signature = Box("JXL ", 0x0D, 0x0A, 0x87, 0x0A);
            // jxlp: a 4-byte part index, then only the codestream signature and one byte of its headers.
            byte[] part = Box("jxlp", 0, 0, 0, 0, 0xFF, 0x0A, 0x00);
            // A following box whose bytes, read as headers, would give a confident answer.
            byte[] next = Box("free", Enumerable.Repeat((byte)0x00, 64).ToArray());
            Assert.Null(JxlHeader.IsXybWithIcc(signature.Concat(part).Concat(next).ToArray()));
        }
    }
}
