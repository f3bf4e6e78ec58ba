using System;
using System.IO;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A JPEG whose frame header declares 12-bit samples goes to the converting decoder, never through unchanged. (No
    /// tool on Debian here writes a real 12-bit JPEG - cjpeg 2.1 and Magick.NET Q8 write 8-bit only - so the sample
    /// is an 8-bit file whose SOF says 12: what matters here is the routing, and that the answer is typed.)
    /// </summary>
    public class TwelveBitJpegTests
    {
        [Fact]
        public void AJpegDeclaring12BitSamplesIsNeverPassedThrough()
        {
            byte[] jpeg = File.ReadAllBytes(TestCorpus.File("jpg_wizard_265x352_prog.jpg"));
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(jpeg, "eight.jpg").Action);
            int i = 2;
            while (JpegSegments.Next(jpeg, ref i, out byte marker, out int start, out _))
            {
                if (JpegSegments.IsFrameHeader(marker))
                {
                    Assert.Equal(8, jpeg[start]);
                    jpeg[start] = 12;
                    break;
                }
            }
            Assert.Equal(12, ImageProbe.Probe(jpeg, "twelve.jpg").BitDepth);
            try
            {
                PreparedImage image = ImagePreparer.Prepare(jpeg, "twelve.jpg");
                Assert.Equal(PrepareAction.Reencode, image.Action);
            }
            catch (ImageProcessingException ex)
            {
                Assert.Contains("twelve.jpg", ex.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(" @ ", ex.Message, StringComparison.Ordinal);
            }
        }

        /// <summary>
        /// libjpeg-turbo's 12-bit monkey12.jpg cut halfway through its scan, with or without its end-of-image marker: ImageMagick
        /// decodes either without a word, so the file is checked as the Skia path checks a JPEG it re-encodes (its end
        /// of image, its markers, libjpeg's scan check): refused, or sent with a warning under -AllowPartial.
        /// </summary>
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void ACutTwelveBitJpegIsRefusedNotSilentlyConverted(bool cut)
        {
            byte[] whole = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Imaging", "Samples", "Heif", "monkey12.jpg"));
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(whole, "monkey12.jpg").Action);
            byte[] damaged = cut ? whole.AsSpan(0, whole.Length / 2).ToArray() : CutScanKeepingEoi(whole);

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(damaged, "monkey12.jpg"));

            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains(cut ? "the file ends before the JPEG's end-of-image marker" : "its data runs out before all of its blocks are decoded", ex.Message, StringComparison.Ordinal);
            PreparedImage partial = ImagePreparer.Prepare(damaged, "monkey12.jpg", new PrepareOptions { AllowPartial = true });
            Assert.Equal(PrepareAction.Reencode, partial.Action);
            Assert.Contains(partial.Warnings, w => w.Contains("'monkey12.jpg' (JPEG) is damaged", StringComparison.Ordinal));
        }

        /// <summary>
        /// The JPEG cut halfway through its scan, its end-of-image marker put back: libjpeg's scan check reports the data
        /// running out (a garbled stretch of Huffman data is often read past without a warning, by djpeg too).
        /// </summary>
        internal static byte[] CutScanKeepingEoi(byte[] jpeg)
        {
            byte[] cut = new byte[(jpeg.Length / 2) + 2];
            Array.Copy(jpeg, cut, cut.Length - 2);
            if (cut[cut.Length - 3] == 0xFF)
            {
                cut[cut.Length - 3] = 0x00;
            }
            cut[cut.Length - 2] = 0xFF;
            cut[cut.Length - 1] = 0xD9;
            return cut;
        }
    }
}
