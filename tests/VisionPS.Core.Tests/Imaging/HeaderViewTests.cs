using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using ImageMagick;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// Reading a large WebP's, BMP's or TIFF's header reads its header, not its pixels (HeaderView), and says exactly what reading
    /// the whole file says: every property of the header, or the same error.
    /// </summary>
    public class HeaderViewTests : IClassFixture<HeaderViewTests.GeneratedFiles>
    {
        private static readonly Lazy<List<string>> s_generated = new(Generated);

        [Theory]
        [InlineData("webp_lossy_pixels_4096.webp")]
        [InlineData("webp_lossy_adwaita_4096.webp")]
        [InlineData("d_webp_lossless_elephants.webp")]
        [InlineData("d_bmp24_storm.bmp")]
        [InlineData("d_tif_lzw_wood.tif")]
        [InlineData("d_tif_deflate_wood.tif")]
        public void TheHeaderOfALargeWebPBmpOrTiffIsReadWithoutItsPixelData(string name)
        {
            string file = TestCorpus.File(name);
            using var stream = new CountingStream(File.OpenRead(file));
            ImageHeader header = ImageProbe.Probe(stream, file);
            Assert.Equal(new FileInfo(file).Length, header.ByteLength);
            // The first 32 KB are read to sniff the format; the rest is chunk headers (a few hundred bytes).
            Assert.True(stream.BytesRead < 40 * 1024, $"{name}: {stream.BytesRead} of {header.ByteLength} bytes read for its header");
        }

        /// <summary>The generated files a header view opens on: intact, and no RLE BMP or JPEG-compressed TIFF.</summary>
        public static IEnumerable<object[]> GeneratedIntact() => s_generated.Value
            .Where(f => !Path.GetFileName(f).StartsWith("rle", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith("jpeg", StringComparison.Ordinal)
                && !new[] { "_half", "_cut", "_trailing", "_garbled" }.Any(s => Path.GetFileNameWithoutExtension(f).EndsWith(s, StringComparison.Ordinal)))
            .Select(f => new object[] { f });

        [Theory]
        [MemberData(nameof(GeneratedIntact), DisableDiscoveryEnumeration = true)]
        public void TheHeaderOfAGeneratedFileIsReadWithoutItsPixelData(string file)
        {
            using var stream = new CountingStream(File.OpenRead(file));
            ImageHeader header = ImageProbe.Probe(stream, file);
            Assert.Equal(new FileInfo(file).Length, header.ByteLength);
            // The first 32 KB, and past them only chunk headers and small chunks (an ICC profile, EXIF).
            Assert.True(stream.BytesRead < 48 * 1024, $"{file}: {stream.BytesRead} of {header.ByteLength} bytes read for its header");
        }

        /// <summary>The files a header view opens on: the large corpus files above and the intact generated ones.</summary>
        public static IEnumerable<object[]> ViewFiles() => new[]
            {
                "webp_lossy_pixels_4096.webp", "webp_lossy_adwaita_4096.webp", "d_webp_lossless_elephants.webp",
                "d_bmp24_storm.bmp", "d_tif_lzw_wood.tif", "d_tif_deflate_wood.tif",
            }.Select(n => new object[] { TestCorpus.File(n) }).Concat(GeneratedIntact());

        [Theory]
        [MemberData(nameof(ViewFiles), DisableDiscoveryEnumeration = true)]
        public void NoHeaderReaderLooksAtAByteTheViewDidNotRead(string file)
        {
            // The bytes a view does not read are zeros; were any reader (ours, Skia's, ImageMagick's) to look at one, the
            // header would change with what they hold: set to four patterns, the header must be the whole file's each time.
            byte[] all = File.ReadAllBytes(file);
            string whole = Describe(() => ImageProbe.Probe(all, file));
            ImageFormat format = ImageProbe.Sniff(all);
            foreach (byte unread in new byte[] { 0x00, 0xFF, 0x5A, 0xA5 })
            {
                using FileStream stream = File.OpenRead(file);
                byte[] head = new byte[32 * 1024];
                int read = 0;
                for (int n; read < head.Length && (n = stream.Read(head, read, head.Length - read)) > 0;)
                {
                    read += n;
                }
                byte[]? view = HeaderView.Read(format, stream, 0, stream.Length, head, read, unread);
                Assert.True(view is not null, $"{file}: no header view");
                Assert.True(Array.IndexOf(view!, unread, read) >= 0 || unread == 0 || all.Length == read, $"{file}: every byte was read");
                Assert.Equal(whole, Describe(() => ImageProbe.FullHeader(view!, format, file)));
            }
        }

        public static IEnumerable<object[]> Files()
        {
            var files = Directory.GetFiles(TestCorpus.Dir).Concat(Directory.GetFiles(Path.Combine(TestCorpus.Dir, "bad")))
                .OrderBy(f => f, StringComparer.Ordinal).ToList();
            files.AddRange(s_generated.Value);
            // A PNG's or JPEG's header is read from its first bytes (and a JPEG's segments sought), in memory or not; every
            // other file's header has been read from the whole file.
            return files.Where(f => ImageProbe.Sniff(File.ReadAllBytes(f)) is not (ImageFormat.Png or ImageFormat.Jpeg)).Select(f => new object[] { f });
        }

        [Theory]
        [MemberData(nameof(Files), DisableDiscoveryEnumeration = true)]
        public void EveryPropertyOfTheHeaderIsWhatTheWholeFileGives(string file)
        {
            string whole = Describe(() => ImageProbe.Probe(File.ReadAllBytes(file), file));
            string fromFile = Describe(() => ImageProbe.Probe(file));
            Assert.Equal(whole, fromFile);
        }

        /// <summary>Every property of the header (public or not), or the error: its type, reason and message.</summary>
        private static string Describe(Func<ImageHeader> probe)
        {
            ImageHeader h;
            try
            {
                h = probe();
            }
            catch (Exception ex)
            {
                return $"{ex.GetType().Name} {(ex as ImageProcessingException)?.Reason} {ex.Message}";
            }
            return string.Join("\n", typeof(ImageHeader).GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
                .OrderBy(p => p.Name, StringComparer.Ordinal)
                .Select(p => $"{p.Name}={(p.GetValue(h) is byte[] b ? Convert.ToBase64String(b) : p.GetValue(h))}"));
        }

        /// <summary>
        /// Files past the 32 KB head the format is sniffed from: animated WebPs (lossy with alpha, lossless), WebPs with an
        /// ICC profile and EXIF orientation, lossy with alpha (ALPH), multi-page, 16-bit and CMYK TIFFs, OS/2, RLE,
        /// palette, 16-bit, 32-bit (bit-field alpha) and V5-with-profile BMPs, TIFFs with a profile and EXIF orientation,
        /// tiled with alpha, BigTIFF and JPEG-compressed; and each of them cut at half and near its end, with bytes after
        /// its end, and with a chunk size, pixel offset or directory offset garbled.
        /// </summary>
        private static string GeneratedDir { get; } = Path.Combine(Path.GetTempPath(), "visionps-headerview-" + Environment.ProcessId);

        /// <summary>Deletes the generated files when the class's tests are done.</summary>
        public sealed class GeneratedFiles : IDisposable
        {
            public void Dispose()
            {
                if (Directory.Exists(GeneratedDir))
                {
                    Directory.Delete(GeneratedDir, recursive: true);
                }
            }
        }

        private static List<string> Generated()
        {
            string dir = GeneratedDir;
            Directory.CreateDirectory(dir);
            var made = new List<string>();
            void Save(string name, byte[] bytes)
            {
                string path = Path.Combine(dir, name);
                File.WriteAllBytes(path, bytes);
                made.Add(path);
            }
            MagickImage Noise(int w, int h, string colour)
            {
                var image = new MagickImage(new MagickColor(colour), (uint)w, (uint)h);
                image.AddNoise(NoiseType.Random);
                return image;
            }
            byte[] icc = File.ReadAllBytes(TestCorpus.File("jpg_icc_profile_48.jpg")) is var jpg
                && new MagickImage(jpg).GetColorProfile() is { } p ? p.ToByteArray() : throw new InvalidOperationException("no profile");

            foreach (bool lossless in new[] { false, true })
            {
                using (var frames = new MagickImageCollection())
                {
                    foreach (string colour in new[] { "#c8282880", "#2828c8ff", "#28c828c0" })
                    {
                        MagickImage frame = Noise(400, 300, colour);
                        frame.AnimationDelay = 10;
                        frames.Add(frame);
                    }
                    frames.First().Settings.SetDefine(MagickFormat.WebP, "lossless", lossless);
                    Save($"anim_{(lossless ? "lossless" : "lossy")}.webp", frames.ToByteArray(MagickFormat.WebP));
                }
                using (MagickImage still = Noise(500, 400, "#80a0c0"))
                {
                    still.SetProfile(new ColorProfile(icc));
                    var exif = new ExifProfile();
                    exif.SetValue(ExifTag.Orientation, (ushort)6);
                    still.SetProfile(exif);
                    // ImageMagick writes the image's orientation into the EXIF it saves: set it too, or the saved EXIF
                    // says 1 and a reader that skipped the chunk could not be told from one that read it.
                    still.Orientation = Orientation.RightTop;
                    still.Settings.SetDefine(MagickFormat.WebP, "lossless", lossless);
                    Save($"icc_exif_{(lossless ? "lossless" : "lossy")}.webp", still.ToByteArray(MagickFormat.WebP));
                }
                using (MagickImage alpha = Noise(500, 400, "#80a0c040"))
                {
                    alpha.Settings.SetDefine(MagickFormat.WebP, "lossless", lossless);
                    Save($"alpha_{(lossless ? "lossless" : "lossy")}.webp", alpha.ToByteArray(MagickFormat.WebP));
                }
            }

            using (var pages = new MagickImageCollection())
            {
                pages.Add(Noise(300, 200, "#806040"));
                pages.Add(Noise(200, 100, "#406080"));
                pages.Add(Noise(100, 50, "#604080"));
                Save("pages.tif", pages.ToByteArray(MagickFormat.Tiff));
            }
            using (MagickImage deep = Noise(300, 200, "#806040"))
            {
                deep.Depth = 16;
                Save("rgb16.tif", deep.ToByteArray(MagickFormat.Tiff));
            }
            using (MagickImage cmyk = Noise(300, 200, "#806040"))
            {
                cmyk.ColorSpace = ColorSpace.CMYK;
                Save("cmyk.tif", cmyk.ToByteArray(MagickFormat.Tiff));
            }

            using (MagickImage tagged = Noise(300, 200, "#806040"))
            {
                tagged.SetProfile(new ColorProfile(icc));
                var exif = new ExifProfile();
                exif.SetValue(ExifTag.Orientation, (ushort)8);
                tagged.SetProfile(exif);
                tagged.Settings.Compression = CompressionMethod.LZW;
                Save("icc_exif_lzw.tif", tagged.ToByteArray(MagickFormat.Tiff));
            }
            using (MagickImage alpha = Noise(300, 200, "#80604080"))
            {
                alpha.Settings.Compression = CompressionMethod.Zip;
                alpha.Settings.SetDefine(MagickFormat.Tiff, "tile-geometry", "64x64");
                Save("tiled_alpha_zip.tif", alpha.ToByteArray(MagickFormat.Tiff));
            }
            using (MagickImage big = Noise(300, 200, "#806040"))
            {
                Save("bigtiff.tif", big.ToByteArray(MagickFormat.Tiff64));
            }
            using (MagickImage jpeg = Noise(300, 200, "#806040"))
            {
                jpeg.Settings.Compression = CompressionMethod.JPEG;
                Save("jpeg_ycbcr.tif", jpeg.ToByteArray(MagickFormat.Tiff));
            }
            using (MagickImage os2 = Noise(300, 200, "#806040"))
            {
                Save("os2.bmp", os2.ToByteArray(MagickFormat.Bmp2));
            }
            using (MagickImage rle = new MagickImage("plasma:", 400, 300))
            {
                rle.Quantize(new QuantizeSettings { Colors = 200 });
                rle.Settings.Compression = CompressionMethod.RLE;
                Save("rle8.bmp", rle.ToByteArray(MagickFormat.Bmp3));
            }
            using (MagickImage palette = Noise(400, 300, "#806040"))
            {
                palette.Quantize(new QuantizeSettings { Colors = 16 });
                Save("palette.bmp", palette.ToByteArray(MagickFormat.Bmp3));
            }
            using (MagickImage alpha = Noise(300, 200, "#80604080"))
            {
                Save("bitfields32.bmp", alpha.ToByteArray(MagickFormat.Bmp));
            }
            using (MagickImage v5 = Noise(300, 200, "#806040"))
            {
                v5.SetProfile(new ColorProfile(icc));
                Save("v5_icc.bmp", v5.ToByteArray(MagickFormat.Bmp));
            }
            using (MagickImage rgb565 = Noise(300, 200, "#806040"))
            {
                rgb565.Settings.SetDefine(MagickFormat.Bmp, "subtype", "RGB565");
                byte[] bmp = rgb565.ToByteArray(MagickFormat.Bmp);
                Assert.Equal(16, bmp[28]);
                Save("rgb565.bmp", bmp);
            }

            foreach (string file in made.ToList())
            {
                byte[] bytes = File.ReadAllBytes(file);
                string stem = Path.GetFileNameWithoutExtension(file), ext = Path.GetExtension(file);
                Save($"{stem}_half{ext}", bytes.AsSpan(0, bytes.Length / 2).ToArray());
                Save($"{stem}_cut{ext}", bytes.AsSpan(0, bytes.Length - 7).ToArray());
                Save($"{stem}_trailing{ext}", bytes.Concat(new byte[40]).ToArray());
                byte[] garbled = (byte[])bytes.Clone();
                // A WebP's first chunk's size, a BMP's pixel offset, a TIFF's first directory offset.
                int at = ext == ".webp" ? 16 : ext == ".bmp" ? 10 : 4;
                garbled[at + 2] ^= 0x5A;
                Save($"{stem}_garbled{ext}", garbled);
            }
            return made;
        }

        private sealed class CountingStream : Stream
        {
            private readonly Stream _inner;

            public CountingStream(Stream inner) => _inner = inner;

            public long BytesRead { get; private set; }

            public override bool CanRead => true;
            public override bool CanSeek => _inner.CanSeek;
            public override bool CanWrite => false;
            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set => _inner.Position = value; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = _inner.Read(buffer, offset, count);
                BytesRead += n;
                return n;
            }

            public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);
            public override void Flush() { }
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _inner.Dispose();
                }
                base.Dispose(disposing);
            }
        }
    }
}
