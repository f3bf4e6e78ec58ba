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
