using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    public class ImageProbeTests
    {
        [Fact]
        public void ReadsFormatSizeOrientationAndFramesOfEveryCorpusFile()
        {
            foreach (string[] row in TestCorpus.Manifest)
            {
                ImageHeader h = ImageProbe.Probe(TestCorpus.File(row[0]));
                ImageFormat expected = row[1] switch
                {
                    "JPEG" => ImageFormat.Jpeg,
                    "PNG" => ImageFormat.Png,
                    "GIF" => ImageFormat.Gif,
                    "WEBP" => ImageFormat.WebP,
                    "BMP" or "BMP3" => ImageFormat.Bmp,
                    "TIFF" => ImageFormat.Tiff,
                    // ImageMagick names AVIF "HEIC" in the manifest; the magic bytes tell them apart.
                    "HEIC" => row[0].EndsWith(".avif", StringComparison.Ordinal) ? ImageFormat.Avif : ImageFormat.Heif,
                    _ => throw new InvalidOperationException(row[1]),
                };
                Assert.True(expected == h.Format, $"{row[0]}: {h.Format}");
                Assert.True(int.Parse(row[2]) == h.Width && int.Parse(row[3]) == h.Height, $"{row[0]}: {h.Width}x{h.Height}");
                int orientation = row[7].Length > 0 ? int.Parse(row[7]) : 1;
                Assert.True(orientation == h.Orientation, $"{row[0]}: orientation {h.Orientation}");
                Assert.True(int.Parse(row[5]) == h.FrameCount, $"{row[0]}: {h.FrameCount} frames");
                Assert.Equal(new FileInfo(TestCorpus.File(row[0])).Length, h.ByteLength);
            }
        }

        [Theory]
        [InlineData("png_wizard_1104x1468_rgba.png", ImageColorType.Rgba, 8, true, "image/png")]
        [InlineData("png_piechart_624x369_rgba16.png", ImageColorType.Rgba, 16, true, "image/png")]
        [InlineData("png_debian_logo_256_palette_trns.png", ImageColorType.Palette, 8, true, "image/png")]
        [InlineData("png_stripes_1920x1200_graya.png", ImageColorType.GrayAlpha, 8, true, "image/png")]
        [InlineData("d_png_gray8_storm.png", ImageColorType.Gray, 8, false, "image/png")]
        [InlineData("d_jpg_cmyk_storm.jpg", ImageColorType.Cmyk, 8, false, "image/jpeg")]
        [InlineData("jpg_gray_cat_512.jpg", ImageColorType.Gray, 8, false, "image/jpeg")]
        [InlineData("gif_anim_aero_350x189.gif", ImageColorType.Palette, 8, true, null)]
        [InlineData("d_webp_lossy_alpha_wizard.webp", ImageColorType.Rgba, 8, true, "image/webp")]
        [InlineData("d_heic_storm.heic", ImageColorType.Unknown, 8, false, null)]
        public void ReportsColourTypeDepthAlphaAndApiMime(string file, ImageColorType type, int depth, bool alpha, string? mime)
        {
            ImageHeader h = ImageProbe.Probe(TestCorpus.File(file));
            if (type != ImageColorType.Unknown)
            {
                Assert.Equal(type, h.ColorType);
            }
            Assert.Equal(depth, h.BitDepth);
            Assert.Equal(alpha, h.HasAlpha);
            Assert.Equal(mime, h.Mime);
        }

        [Fact]
        public void ProgressiveAndIccFlagsComeFromTheHeader()
        {
            Assert.True(ImageProbe.Probe(TestCorpus.File("jpg_elephants_5640x3172_prog.jpg")).IsProgressive);
            Assert.False(ImageProbe.Probe(TestCorpus.File("jpg_storm_1920x1280.jpg")).IsProgressive);
            Assert.True(ImageProbe.Probe(TestCorpus.File("jpg_icc_profile_48.jpg")).HasIccProfile);
            Assert.Equal(6, ImageProbe.Probe(File.ReadAllBytes(TestCorpus.File("jpg_orient6_panasonic_640x428.jpg")), "x").Orientation);
        }

        [Theory]
        [InlineData("svg_named.jpg", ImageErrorReason.UnsupportedFormat, ImageFormat.Svg)]
        [InlineData("text_file_named.png", ImageErrorReason.NotAnImage, ImageFormat.Unknown)]
        [InlineData("zero_bytes.png", ImageErrorReason.NotAnImage, ImageFormat.Unknown)]
        [InlineData("truncated_after_ihdr.png", ImageErrorReason.Truncated, ImageFormat.Png)]
        public void NonImagesAreNamedAsSuchByTheirBytesNotTheirExtension(string file, ImageErrorReason reason, ImageFormat format)
        {
            if (reason == ImageErrorReason.Truncated)
            {
                // A PNG cut after its IHDR still has a readable header; preparing it is what fails.
                Assert.Equal(format, ImageProbe.Probe(TestCorpus.Bad(file)).Format);
                var ex2 = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(TestCorpus.Bad(file)));
                Assert.Equal(reason, ex2.Reason);
                return;
            }
            var ex = Assert.Throws<ImageProcessingException>(() => ImageProbe.Probe(TestCorpus.Bad(file)));
            Assert.Equal(reason, ex.Reason);
            Assert.Equal(format, ex.Format);
            Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void PdfIsRecognisedAndRefusedWithWhatToDo()
        {
            var ex = Assert.Throws<ImageProcessingException>(() => ImageProbe.Probe("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj"u8.ToArray(), "doc.png"));
            Assert.Equal(ImageErrorReason.UnsupportedFormat, ex.Reason);
            Assert.Equal(ImageFormat.Pdf, ex.Format);
            Assert.Contains("pdftoppm", ex.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(300)]
        [InlineData(1019)]
        public void PdfWithJunkBeforeItsHeaderIsStillAPdf(int junk)
        {
            // Readers (and qpdf --check) accept up to 1024 bytes before %PDF-; so does PdfDocumentCheck for local files.
            byte[] bytes = new byte[junk + 20];
            for (int i = 0; i < junk; i++)
            {
                bytes[i] = (byte)('a' + (i % 26));
            }
            "%PDF-1.7\n1 0 obj\n"u8.ToArray().CopyTo(bytes, junk);
            Assert.Equal(ImageFormat.Pdf, ImageProbe.Sniff(bytes));
            var ex = Assert.Throws<ImageProcessingException>(() => ImageProbe.Probe(bytes, "junk.pdf"));
            Assert.Equal(ImageFormat.Pdf, ex.Format);
            Assert.DoesNotContain("is not a PDF", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void PdfHeaderPastTheFirstKilobyteIsNotAPdf()
        {
            byte[] bytes = new byte[1100 + 20];
            "%PDF-1.7\n1 0 obj\n"u8.ToArray().CopyTo(bytes, 1100);
            Assert.Equal(ImageFormat.Unknown, ImageProbe.Sniff(bytes));
        }

        [Fact]
        public void ProbesThousandsOfFilesPerSecond()
        {
            string[] files = TestCorpus.Manifest.Select(r => TestCorpus.File(r[0]))
                .Where(f => !f.EndsWith(".heic", StringComparison.Ordinal) && !f.EndsWith(".avif", StringComparison.Ordinal)
                    && !f.EndsWith(".tif", StringComparison.Ordinal) && !f.EndsWith(".tiff", StringComparison.Ordinal)
                    && (f.EndsWith(".jpg", StringComparison.Ordinal) || f.EndsWith(".png", StringComparison.Ordinal))).ToArray();
            foreach (string f in files)
            {
                ImageProbe.Probe(f); // warm up
            }
            // CPU time, not wall time: the machine is shared, and "thousands per second" is a cost per probe.
            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            int n = 0;
            while (n < 2000)
            {
                foreach (string f in files)
                {
                    ImageProbe.Probe(f);
                    n++;
                }
            }
            double perSecond = n / (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            Assert.True(perSecond > 1000, $"{perSecond:0} probes/s");
        }
    }
}
