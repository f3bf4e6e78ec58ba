using System;
using System.IO;
using System.Linq;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A palette BMP that stores fewer colours than its bit depth can index, where the header gives no count: an OS/2
    /// 1.x BMP (12-byte BITMAPCOREHEADER, as in the public BMP suites: 8 bits a pixel, 252 colours), or a Windows one
    /// whose colour count is 0. Skia reads a full 2^bpp palette, finds the pixel data inside it and refused the file
    /// ("the decoder reported InvalidInput"); ImageMagick and Pillow read it. It is decoded with its own colours.
    /// </summary>
    public sealed class ShortPaletteBmpTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-bmppal-" + Guid.NewGuid().ToString("N"));

        public ShortPaletteBmpTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        /// <summary>
        /// A bottom-up palette BMP of <paramref name="colours"/> distinct colours, every one of them used, with a
        /// <paramref name="headerSize"/>-byte header (12: OS/2 1.x; 40: BITMAPINFOHEADER with a colour count of 0).
        /// </summary>
        internal static byte[] Bmp(int headerSize, int bpp, int colours, int width = 32, int height = 9)
        {
            int stride = ((width * bpp) + 31) / 32 * 4, perColour = headerSize == 12 ? 3 : 4;
            var pixels = new byte[stride * height];
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int index = ((y * width) + x) % colours, bit = x * bpp;
                    pixels[(y * stride) + (bit / 8)] |= (byte)(index << (8 - bpp - (bit % 8)));
                }
            }
            var palette = new byte[colours * perColour];
            for (int i = 0; i < colours; i++)
            {
                palette[i * perColour] = (byte)(255 - i);           // blue
                palette[(i * perColour) + 1] = (byte)((i * 37) + 11); // green
                palette[(i * perColour) + 2] = (byte)(i * 3);       // red
            }
            var header = new byte[headerSize];
            BitConverter.GetBytes(headerSize).CopyTo(header, 0);
            if (headerSize == 12)
            {
                BitConverter.GetBytes((ushort)width).CopyTo(header, 4);
                BitConverter.GetBytes((ushort)height).CopyTo(header, 6);
                BitConverter.GetBytes((ushort)1).CopyTo(header, 8);
                BitConverter.GetBytes((ushort)bpp).CopyTo(header, 10);
            }
            else
            {
                BitConverter.GetBytes(width).CopyTo(header, 4);
                BitConverter.GetBytes(height).CopyTo(header, 8);
                BitConverter.GetBytes((ushort)1).CopyTo(header, 12);
                BitConverter.GetBytes((ushort)bpp).CopyTo(header, 14);
                BitConverter.GetBytes(pixels.Length).CopyTo(header, 20); // colour count (at 32) stays 0
            }
            int offset = 14 + headerSize + palette.Length;
            var file = new byte[offset + pixels.Length];
            file[0] = (byte)'B';
            file[1] = (byte)'M';
            BitConverter.GetBytes(file.Length).CopyTo(file, 2);
            BitConverter.GetBytes(offset).CopyTo(file, 10);
            header.CopyTo(file, 14);
            palette.CopyTo(file, 14 + headerSize);
            pixels.CopyTo(file, offset);
            return file;
        }

        [Theory]
        [InlineData(12, 8, 252)] // the public suites' OS/2 1.x file
        [InlineData(12, 4, 12)]
        [InlineData(40, 8, 252)]
        [InlineData(40, 4, 9)]
        // Small images whose pixels take fewer bytes than the colours missing from the palette: a reader of a full
        // palette runs past the file's end (they were refused as "the file ends before all of its image data").
        [InlineData(12, 8, 20, 8, 4)]
        [InlineData(40, 8, 100, 20, 10)]
        [InlineData(12, 4, 3, 2, 1)]
        public void APaletteShorterThanItsBitDepthDecodesWithItsColours(int headerSize, int bpp, int colours, int width = 32, int height = 9)
        {
            byte[] bmp = Bmp(headerSize, bpp, colours, width, height);
            string file = Path.Combine(_dir, $"pal{headerSize}-{bpp}-{colours}.bmp");
            File.WriteAllBytes(file, bmp);
            Assert.True(ContainerHeaders.BmpPaletteSkiaRefuses(bmp));

            PreparedImage image = ImagePreparer.Prepare(bmp, Path.GetFileName(file), new PrepareOptions { Format = PreparedFormat.Png });
            Assert.Equal(width, image.Width);
            Assert.Equal(height, image.Height);
            Assert.Empty(image.Warnings);
            // Pillow is the reference: Debian's ImageMagick 6.9.11 misreads a 4-bit OS/2 1.x palette (Magick.NET's 7 does not).
            // setup.sh installs it as Debian's python3-pil, for /usr/bin/python3 (a python3 first on PATH may lack it).
            byte[] reference = TestCorpus.Run(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3", "-c",
                "import sys; from PIL import Image; sys.stdout.buffer.write(Image.open(sys.argv[1]).convert('RGBA').tobytes())", file);
            Assert.Equal(99, TestCorpus.Psnr(ColourManagementTests.Pixels(image), reference));
            ImageHeader probe = ImageProbe.Probe(bmp, Path.GetFileName(file));
            Assert.Equal((width, height), (probe.Width, probe.Height));
        }

        [Fact]
        public void PixelsNamingAColourPastTheStoredPaletteGetWhatPillowGives()
        {
            // Indices 252-255 of a 252-colour OS/2 palette: a full-palette reader takes the bytes after the stored colours
            // (here the first pixels) for them, as Pillow does; nothing is moved or blacked out to make the file readable.
            byte[] bmp = Bmp(12, 8, 252, 64, 64);
            int offset = BitConverter.ToInt32(bmp, 10);
            for (int i = 0; i < 64; i++)
            {
                bmp[offset + (64 * 10) + i] = (byte)(252 + (i % 4));
            }
            string file = Path.Combine(_dir, "oob.bmp");
            File.WriteAllBytes(file, bmp);

            PreparedImage image = ImagePreparer.Prepare(bmp, "oob.bmp", new PrepareOptions { Format = PreparedFormat.Png });
            byte[] reference = TestCorpus.Run(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3", "-c",
                "import sys; from PIL import Image; sys.stdout.buffer.write(Image.open(sys.argv[1]).convert('RGBA').tobytes())", file);
            Assert.Equal(99, TestCorpus.Psnr(ColourManagementTests.Pixels(image), reference));
        }

        [Theory]
        [InlineData(12, 8, 256)]
        [InlineData(12, 1, 2)]
        [InlineData(40, 8, 252)]
        public void AFullPaletteOrAStatedCountStaysWithSkia(int headerSize, int bpp, int colours)
        {
            byte[] bmp = Bmp(headerSize, bpp, colours);
            if (headerSize == 40)
            {
                BitConverter.GetBytes(colours).CopyTo(bmp, 46); // the count written, as writers do
            }
            Assert.False(ContainerHeaders.BmpPaletteSkiaRefuses(bmp));
            PreparedImage image = ImagePreparer.Prepare(bmp, "full.bmp", new PrepareOptions { Format = PreparedFormat.Png });
            Assert.Equal(32, image.Width);
        }
    }
}
