using System;
using System.IO;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// Damage ImageMagick's TIFF and JPEG XL readers report is told as ImageDamaged in VisionPS's words. A TIFF whose
    /// compressed strips are corrupt (libtiff's LZW, Deflate or fax decoder fails) was DecodeFailed ("damaged or a
    /// variant no decoder here supports"), a damaged directory field partly UnsupportedFormat; a cut or corrupt JPEG XL
    /// said "its image data is corrupt (UnableToReadImageData)", ImageMagick's own error code.
    /// </summary>
    public sealed class CodecDamageWordsTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-words-" + Guid.NewGuid().ToString("N"));

        public CodecDamageWordsTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static void AssertPlainWords(ImageProcessingException ex)
        {
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.DoesNotContain("`", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("error/", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("UnableTo", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("TIFF_SETGET", ex.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("lzw")]
        [InlineData("zip")]
        public void ATiffWhoseCompressedStripIsCorruptIsDamaged(string compression)
        {
            string tif = Path.Combine(_dir, "strip.tif");
            TestCorpus.Run("convert", "-size", "96x64", "plasma:red-blue", "-seed", "3", "-compress", compression, tif);
            byte[] data = File.ReadAllBytes(tif);
            // The first strip starts at byte 8 (ImageMagick writes the directory after the pixels): garble its start.
            for (int i = 12; i < 60; i++)
            {
                data[i] = (byte)(i * 37);
            }
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(data, "strip.tif", new PrepareOptions { Format = PreparedFormat.Png }));
            AssertPlainWords(ex);
            Assert.Contains("its compressed pixel data is corrupt or cut short", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ACutJpegXlIsDamagedInPlainWords()
        {
            string png = Path.Combine(_dir, "src.png"), jxl = Path.Combine(_dir, "cut.jxl");
            TestCorpus.Run("convert", "-size", "96x64", "gradient:red-blue", png);
            TestCorpus.Run("cjxl", png, jxl, "-d", "1");
            byte[] data = File.ReadAllBytes(jxl);
            byte[] cut = data.AsSpan(0, data.Length * 6 / 10).ToArray();
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "cut.jxl"));
            AssertPlainWords(ex);
            Assert.Contains("does not decode to its end", ex.Message, StringComparison.Ordinal);
        }

        /// <summary>
        /// ImageMagick's JPEG XL reader throws UnableToReadImageData whenever libjxl returns an error, and VisionPS calls
        /// that damage. libjxl implements the whole standard, so an intact file never ends there: the coding tools and
        /// containers cjxl writes (JPEG recompression, photon noise, resampling, squeeze, progressive DC, patches, the
        /// box container, animation, 32-bit float) all decode (as do the 26 files of libjxl's conformance set, checked
        /// by hand), while the same files cut short are damage.
        /// </summary>
        [Theory]
        [InlineData("recompressed-jpeg", new string[0])]
        [InlineData("photon-noise", new[] { "--photon_noise=ISO3200" })]
        [InlineData("resampling", new[] { "--resampling=4" })]
        [InlineData("squeeze", new[] { "-m", "1", "-R", "1", "-q", "80" })]
        [InlineData("progressive-dc", new[] { "--progressive_dc=2" })]
        [InlineData("patches", new[] { "--patches=1", "-d", "0" })]
        [InlineData("container", new[] { "--container=1" })]
        [InlineData("animation", new string[0])]
        [InlineData("float", new[] { "-d", "0" })]
        public void AnIntactJpegXlOfAnyCodingToolIsNeverCalledDamaged(string kind, string[] options)
        {
            string source = Path.Combine(_dir, kind switch { "recompressed-jpeg" => "src.jpg", "animation" => "src.gif", "float" => "src.pfm", _ => "src.png" });
            string jxl = Path.Combine(_dir, kind + ".jxl");
            if (kind == "animation")
            {
                TestCorpus.Run("convert", "-size", "64x48", "xc:red", "xc:green", "xc:blue", "-delay", "10", source);
            }
            else
            {
                TestCorpus.Run("convert", "-size", "200x150", "-seed", "5", "plasma:fractal", "-depth", kind == "float" ? "32" : "8",
                    "-define", "quantum:format=floating-point", source);
            }
            var args = new System.Collections.Generic.List<string> { source, jxl };
            args.AddRange(options);
            TestCorpus.Run("cjxl", args.ToArray());

            byte[] data = File.ReadAllBytes(jxl);
            PreparedImage image = ImagePreparer.Prepare(data, kind + ".jxl", new PrepareOptions { Format = PreparedFormat.Png });
            Assert.Equal(PrepareAction.Reencode, image.Action);

            byte[] cut = data.AsSpan(0, data.Length * 6 / 10).ToArray();
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, kind + "-cut.jxl"));
            AssertPlainWords(ex);
        }

        [Theory]
        [InlineData("Using code not yet in table. `' @ error/tiff.c/TIFFErrors/565", "its compressed pixel data is corrupt or cut short (Using code not yet in table)")]
        [InlineData("Bad code word at line 42 of strip 0 (x 19). `Fax4Decode' @ error/tiff.c/TIFFErrors/565", "its compressed pixel data is corrupt or cut short (Bad code word at line 42 of strip 0 (x 19))")]
        [InlineData("Defined set_get_field_type of custom tag 50060 (Tag 50060) is TIFF_SETGET_UNDEFINED and thus tag is not read from file. `TIFFFetchNormalTag' @ error/tiff.c/TIFFErrors/565", "its image directory (IFD) is damaged (field 50060 has a type it cannot have)")]
        [InlineData("Sanity check on directory count failed, zero tag directories not supported. `TIFFFetchDirectory' @ error/tiff.c/TIFFErrors/565", "its image directory (IFD) is damaged (Sanity check on directory count failed, zero tag directories not supported)")]
        [InlineData("Sorry, can not handle images with 64-bit samples. `TIFFReadDirectory' @ error/tiff.c/TIFFErrors/565", null)]
        [InlineData("Cannot handle different values per sample for \"SampleFormat\". `TIFFReadDirectory' @ error/tiff.c/TIFFErrors/565", null)]
        public void LibtiffDamageIsToldApartFromVariants(string raw, string? expected)
        {
            Assert.Equal(expected, MagickCodec.LibtiffDamage(raw));
        }
    }
}
