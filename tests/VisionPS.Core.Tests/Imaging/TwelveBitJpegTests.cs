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
    }
}
