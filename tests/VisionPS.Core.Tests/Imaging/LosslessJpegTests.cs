using System;
using System.Collections.Generic;
using System.IO;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A lossless JPEG (SOF3, the process of DICOM and of DNG's raw data) at 8 bits: no browser reads one, and Skia's
    /// codec opens it but decodes a wrong picture (or fails) where libjpeg-turbo 3 reads it right. It is converted by
    /// ImageMagick, never passed through. No tool here writes one (cjpeg 2.1 has no -lossless), so the test encodes
    /// it: predictor 1, the standard DC luminance Huffman table, one interleaved scan.
    /// </summary>
    public class LosslessJpegTests
    {
        /// <summary>Left-to-right red, top-to-bottom green, and a dark band over the bottom quarter.</summary>
        private static byte[,,] Picture(int w, int h, int channels)
        {
            var p = new byte[h, w, channels];
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    bool band = y >= h * 3 / 4;
                    byte r = (byte)(band ? 20 : 40 + (x * 200 / w)), g = (byte)(band ? 30 : 40 + (y * 200 / h)), b = (byte)(band ? 10 : 160);
                    if (channels == 1)
                    {
                        p[y, x, 0] = (byte)((r + g + b) / 3);
                    }
                    else
                    {
                        p[y, x, 0] = r;
                        p[y, x, 1] = g;
                        p[y, x, 2] = b;
                    }
                }
            }
            return p;
        }

        private static readonly byte[] s_bits = { 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0 };

        /// <summary>An 8-bit lossless JPEG of <paramref name="p"/>; RGB samples carry the component ids 'R', 'G', 'B'.</summary>
        internal static byte[] EncodeLossless(byte[,,] p)
        {
            int h = p.GetLength(0), w = p.GetLength(1), n = p.GetLength(2);
            var codes = new (int Code, int Length)[12];
            int code = 0, k = 0;
            for (int length = 1; length <= 16; length++, code <<= 1)
            {
                for (int i = 0; i < s_bits[length - 1]; i++, k++, code++)
                {
                    codes[k] = (code, length);
                }
            }
            var data = new List<byte>();
            int acc = 0, count = 0;
            void Put(int value, int bits)
            {
                for (int i = bits - 1; i >= 0; i--)
                {
                    acc = (acc << 1) | ((value >> i) & 1);
                    if (++count == 8)
                    {
                        data.Add((byte)acc);
                        if (acc == 0xFF)
                        {
                            data.Add(0);
                        }
                        acc = 0;
                        count = 0;
                    }
                }
            }
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    for (int c = 0; c < n; c++)
                    {
                        int predicted = x == 0 && y == 0 ? 128 : x == 0 ? p[y - 1, x, c] : p[y, x - 1, c];
                        int diff = p[y, x, c] - predicted;
                        int size = 0;
                        for (int a = Math.Abs(diff); a > 0; a >>= 1)
                        {
                            size++;
                        }
                        Put(codes[size].Code, codes[size].Length);
                        if (size > 0)
                        {
                            Put(diff > 0 ? diff : diff + (1 << size) - 1, size);
                        }
                    }
                }
            }
            while (count != 0)
            {
                Put(1, 1);
            }
            byte[] ids = n == 1 ? new byte[] { 1 } : new byte[] { (byte)'R', (byte)'G', (byte)'B' };
            var file = new MemoryStream();
            void Segment(byte marker, List<byte> payload)
            {
                file.Write(new byte[] { 0xFF, marker, (byte)((payload.Count + 2) >> 8), (byte)(payload.Count + 2) });
                file.Write(payload.ToArray());
            }
            file.Write(new byte[] { 0xFF, 0xD8 });
            var sof = new List<byte> { 8, (byte)(h >> 8), (byte)h, (byte)(w >> 8), (byte)w, (byte)n };
            var sos = new List<byte> { (byte)n };
            foreach (byte id in ids)
            {
                sof.AddRange(new byte[] { id, 0x11, 0 });
                sos.AddRange(new byte[] { id, 0x00 });
            }
            sos.AddRange(new byte[] { 1, 0, 0 }); // predictor 1, Se 0, no point transform
            Segment(0xC3, sof);
            var dht = new List<byte> { 0x00 };
            dht.AddRange(s_bits);
            for (byte v = 0; v < 12; v++)
            {
                dht.Add(v);
            }
            Segment(0xC4, dht);
            Segment(0xDA, sos);
            file.Write(data.ToArray());
            file.Write(new byte[] { 0xFF, 0xD9 });
            return file.ToArray();
        }

        /// <summary>The mean absolute difference, per sample, between the prepared image and the picture resized to its size.</summary>
        private static double MeanError(PreparedImage image, byte[,,] p)
        {
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            int h = p.GetLength(0), w = p.GetLength(1), n = p.GetLength(2);
            using var source = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    source.SetPixel(x, y, n == 1 ? new SKColor(p[y, x, 0], p[y, x, 0], p[y, x, 0]) : new SKColor(p[y, x, 0], p[y, x, 1], p[y, x, 2]));
                }
            }
            using SKBitmap expected = source.Resize(new SKImageInfo(sent.Width, sent.Height), new SKSamplingOptions(SKCubicResampler.Mitchell));
            double sum = 0;
            for (int y = 0; y < sent.Height; y++)
            {
                for (int x = 0; x < sent.Width; x++)
                {
                    SKColor a = sent.GetPixel(x, y), b = expected.GetPixel(x, y);
                    sum += Math.Abs(a.Red - b.Red) + Math.Abs(a.Green - b.Green) + Math.Abs(a.Blue - b.Blue);
                }
            }
            return sum / (3.0 * sent.Width * sent.Height);
        }

        [Theory]
        [InlineData(3, 0)]
        [InlineData(1, 0)]
        [InlineData(3, 48)]
        [InlineData(1, 48)]
        public void AnEightBitLosslessJpegIsConvertedToTheRightPictureNotPassedThrough(int channels, int maxSide)
        {
            byte[,,] picture = Picture(96, 64, channels);
            byte[] jpeg = EncodeLossless(picture);
            ImageHeader header = ImageProbe.Probe(jpeg, "lossless.jpg");
            Assert.Equal(8, header.BitDepth);
            Assert.False(ImagePreparer.HeaderAllowsPassThrough(header, new PrepareOptions()));

            PreparedImage image = ImagePreparer.Prepare(jpeg, "lossless.jpg", maxSide > 0 ? new PrepareOptions { MaxSide = maxSide } : null);

            Assert.Equal(PrepareAction.Reencode, image.Action);
            Assert.Equal(maxSide > 0 ? (48, 32) : (96, 64), (image.Width, image.Height));
            double error = MeanError(image, picture);
            Assert.True(error < 4, $"the picture sent is {error:0.0} levels off on average");
        }

        /// <summary>
        /// A lossless JPEG's restart interval counts samples, not 8x8 blocks (Samples/made-lossless-rst-*.jpg, restart
        /// markers every row or every 8 rows): whole files, not "restart markers where its blocks call for 0".
        /// </summary>
        [Theory]
        [InlineData("made-lossless-rst-rows.jpg")]
        [InlineData("made-lossless-rst8-gray.jpg")]
        public void ALosslessJpegWithRestartMarkersIsWhole(string sample)
        {
            byte[] jpeg = File.ReadAllBytes(PublicSuiteTests.Sample(sample));
            Assert.Null(JpegMarkers.Check(jpeg));
            PreparedImage image = ImagePreparer.Prepare(jpeg, sample);
            Assert.Equal(PrepareAction.Reencode, image.Action);
            Assert.DoesNotContain(image.Warnings, w => w.Contains("damaged", StringComparison.Ordinal));
        }

        /// <summary>Cut halfway, with or without its end-of-image marker: ImageMagick decodes either without a word, so it is checked first.</summary>
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void ACutLosslessJpegIsRefusedNotSilentlyConverted(bool cut)
        {
            byte[] jpeg = EncodeLossless(Picture(96, 64, 3));
            byte[] damaged = cut ? jpeg.AsSpan(0, jpeg.Length / 2).ToArray() : TwelveBitJpegTests.CutScanKeepingEoi(jpeg);

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(damaged, "lossless.jpg"));

            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains(cut ? "the file ends before the JPEG's end-of-image marker" : "its data runs out before all of its blocks are decoded", ex.Message, StringComparison.Ordinal);
            PreparedImage partial = ImagePreparer.Prepare(damaged, "lossless.jpg", new PrepareOptions { AllowPartial = true });
            Assert.Contains(partial.Warnings, w => w.Contains("'lossless.jpg' (JPEG) is damaged", StringComparison.Ordinal));
        }
    }
}
