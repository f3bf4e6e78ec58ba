using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    public class GetVisionImageInfoTests
    {
        /// <summary>The corpus manifest rows for formats SkiaSharp decodes: file, format, width, height, orientation.</summary>
        public static IEnumerable<object[]> SkiaCorpusRows()
        {
            string manifest = Path.Combine(Paths.Root, "..", "shared", "corpus", "MANIFEST.tsv");
            foreach (string line in File.ReadLines(manifest).Skip(1))
            {
                string[] f = line.Split('\t');
                string fmt = f[1] switch { "JPEG" => "Jpeg", "PNG" => "Png", "GIF" => "Gif", "WEBP" => "WebP", "BMP" or "BMP3" => "Bmp", _ => "" };
                if (fmt.Length > 0)
                {
                    yield return new object[] { f[0], fmt, int.Parse(f[2]), int.Parse(f[3]), f[7].Length > 0 ? int.Parse(f[7]) : 1 };
                }
            }
        }

        [Theory]
        [MemberData(nameof(SkiaCorpusRows))]
        public void ReadsFormatSizeAndOrientationOfRealFiles(string file, string format, int width, int height, int orientation)
        {
            using var ps = new PowerShellSession();
            PSObject info = ps.Run("Get-VisionImageInfo -LiteralPath $args[0]", Paths.CorpusFile(file)).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal("VisionPS.VisionImageInfo", info.TypeNames[0]);
            Assert.Equal(format, info.Properties["Format"].Value);
            Assert.Equal(width, info.Properties["Width"].Value);
            Assert.Equal(height, info.Properties["Height"].Value);
            Assert.Equal(orientation, info.Properties["Orientation"].Value);
        }

        [Fact]
        public void BindsProviderItemsByPropertyNameAndPathsByValue()
        {
            using var ps = new PowerShellSession();
            // What Get-ChildItem emits: FileInfo objects carrying PSPath, from the file-system provider.
            var items = ps.Run("$ExecutionContext.InvokeProvider.ChildItem.Get($args[0], $false) | " +
                               "Where-Object { $_.Name -like 'jpg_*' } | Get-VisionImageInfo", Paths.Corpus);
            Assert.Empty(ps.Errors);
            Assert.Equal(Directory.GetFiles(Paths.Corpus, "jpg_*").Length, items.Count);

            var byValue = ps.Run("$args[0] | Get-VisionImageInfo", Path.Combine(Paths.Corpus, "png_*.png"));
            Assert.Empty(ps.Errors);
            Assert.Equal(Directory.GetFiles(Paths.Corpus, "png_*.png").Length, byValue.Count);
        }

        [Fact]
        public void MissingAndUndecodableFilesYieldOneErrorEachAndTheBatchGoesOn()
        {
            using var ps = new PowerShellSession();
            string missing = Path.Combine(Paths.Corpus, "no_such_file.jpg");
            string text = Path.Combine(Paths.Corpus, "bad", "text_file_named.png");
            var output = ps.Run("Get-VisionImageInfo -LiteralPath $args", Paths.CorpusFile("jpg_storm_1920x1280.jpg"),
                missing, text, Paths.CorpusFile("gif_static_smile_48.gif"));

            Assert.Equal(new[] { "Jpeg", "Gif" }, output.Select(o => (string)o.Properties["Format"].Value));
            Assert.Equal(2, ps.Errors.Count);
            Assert.Equal("ImageNotFound,VisionPS.Commands.GetVisionImageInfoCommand", ps.Errors[0].FullyQualifiedErrorId);
            Assert.Equal(missing, ps.Errors[0].TargetObject);
            Assert.Contains(missing, ps.Errors[0].ToString(), StringComparison.Ordinal);
            // The same id ConvertTo-VisionImage and Send-VisionChat give the same file.
            Assert.Equal("UnsupportedImageFormat,VisionPS.Commands.GetVisionImageInfoCommand", ps.Errors[1].FullyQualifiedErrorId);
            Assert.Contains("text_file_named.png", ps.Errors[1].ToString(), StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("bomb_header_100000x100000.png")]
        [InlineData("jpeg_sof_65500x65500.jpg")]
        public void AHeaderTheBudgetRefusesIsImageTooLargeHereAsWhenSent(string file)
        {
            using var ps = new PowerShellSession();
            string bomb = Path.Combine(Paths.Corpus, "bad", file);
            var output = ps.Run("Get-VisionImageInfo -LiteralPath $args; ConvertTo-VisionImage -LiteralPath $args[0] -ErrorAction Continue",
                bomb, Paths.CorpusFile("gif_static_smile_48.gif"));

            Assert.Equal("Gif", Assert.Single(output, o => o.BaseObject.GetType().Name == "VisionImageInfo").Properties["Format"].Value);
            Assert.Equal(2, ps.Errors.Count);
            Assert.Equal("ImageTooLarge,VisionPS.Commands.GetVisionImageInfoCommand", ps.Errors[0].FullyQualifiedErrorId);
            Assert.Contains(file, ps.Errors[0].ToString(), StringComparison.Ordinal);
            Assert.Equal("ImageTooLarge,VisionPS.Commands.ConvertToVisionImageCommand", ps.Errors[1].FullyQualifiedErrorId);
        }

        [Fact]
        public void WildcardPathThatMatchesNothingIsAnError()
        {
            using var ps = new PowerShellSession();
            var output = ps.Run("Get-VisionImageInfo -Path $args[0]", Path.Combine(Paths.Corpus, "zz_nothing_*.png"));
            Assert.Empty(output);
            Assert.Equal("ImageNotFound,VisionPS.Commands.GetVisionImageInfoCommand", Assert.Single(ps.Errors).FullyQualifiedErrorId);
        }

        [Theory]
        [InlineData("d_heic_storm.heic", "Heif", 1920, 1280)]
        [InlineData("d_avif_storm.avif", "Avif", 1920, 1280)]
        [InlineData("d_tif_lzw_wood.tif", "Tiff", 2560, 1920)]
        [InlineData("tif_gdk_dpi_48_rgba.tiff", "Tiff", 48, 48)]
        public void MagickFormatsLoadMagickNetInsideTheModule(string file, string format, int width, int height)
        {
            using var ps = new PowerShellSession();
            PSObject info = ps.Run("Get-VisionImageInfo -LiteralPath $args[0]", Paths.CorpusFile(file)).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal(format, info.Properties["Format"].Value);
            Assert.Equal(width, info.Properties["Width"].Value);
            Assert.Equal(height, info.Properties["Height"].Value);
            string maps = File.ReadAllText("/proc/self/maps");
            Assert.Contains(Paths.NativeLib("Magick.Native-Q8-x64.dll.so"), maps, StringComparison.Ordinal);
        }

        [Fact]
        public void SaysWhatWouldBeSentAndItsTokensFromTheHeaderAlone()
        {
            using var ps = new PowerShellSession();
            var info = ps.Run("Get-VisionImageInfo -LiteralPath $args -Model gpt-4o -Detail High",
                Paths.CorpusFile("jpg_wood_2560x1920.jpg"), Paths.CorpusFile("jpg_storm_1920x1280.jpg"),
                Paths.CorpusFile("jpg_orient6_panasonic_640x428.jpg"), Paths.CorpusFile("gif_anim_aero_350x189.gif"));
            Assert.Empty(ps.Errors);
            object[] Row(int i, params string[] names) => names.Select(n => info[i].Properties[n].Value).ToArray();
            // 2560x1920 at gpt-4o high: fit 2048, shortest side 768 -> 1024x768, 4 tiles -> 85 + 4 * 170.
            Assert.Equal(new object[] { false, 1024, 768, 765 }, Row(0, "WouldPassThrough", "TargetWidth", "TargetHeight", "EstimatedTokens"));
            Assert.Equal(new object[] { false, 1152, 768 }, Row(1, "WouldPassThrough", "TargetWidth", "TargetHeight"));
            Assert.Equal(new object[] { false, 428, 640 }, Row(2, "WouldPassThrough", "DisplayWidth", "DisplayHeight"));
            Assert.Equal(new object[] { true, 56 }, Row(3, "IsAnimated", "FrameCount"));

            // Without -Model: the model Send-VisionChat would use (gpt-4.1-mini), which looks at 1536x1024 of this photo.
            PSObject plain = ps.Run("Get-VisionImageInfo -LiteralPath $args[0]", Paths.CorpusFile("jpg_storm_1920x1280.jpg")).Single();
            Assert.Equal("gpt-4.1-mini", plain.Properties["Model"].Value);
            Assert.False((bool)plain.Properties["WouldPassThrough"].Value);
            Assert.Equal(1536, plain.Properties["TargetWidth"].Value);
        }

        /// <summary>
        /// A file: URI given as text names a file on this computer only: a host other than localhost is refused in words
        /// (on Windows it would be read over SMB from that host), and a '#' or '?' is part of the file name, not a cut.
        /// </summary>
        [Fact]
        public void AFileUriNamesAFileOnThisComputerWithItsWholeName()
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-uri-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string hashed = Path.Combine(dir, "a#1?.gif");
                File.Copy(Paths.CorpusFile("gif_static_smile_48.gif"), hashed);
                File.Copy(Paths.CorpusFile("gif_static_smile_48.gif"), Path.Combine(dir, "a"));
                using var ps = new PowerShellSession();
                var found = ps.Run("Get-VisionImageInfo $args[0]; Get-VisionImageInfo $args[1]", "file://" + hashed, "file://localhost" + hashed);
                Assert.Empty(ps.Errors);
                Assert.Equal(new[] { hashed, hashed }, found.Select(i => (string)i.Properties["Path"].Value));

                Assert.Empty(ps.Run("Get-VisionImageInfo 'file://attacker/s/x.gif'"));
                ErrorRecord error = Assert.Single(ps.Errors);
                Assert.Equal("InvalidImageInput,VisionPS.Commands.GetVisionImageInfoCommand", error.FullyQualifiedErrorId);
                Assert.Contains("names a file on the computer 'attacker'", error.ToString(), StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        /// <summary>A conversation id is matched ignoring case, as the ValidatePattern it replaced did (Conv_abc, THREAD_x).</summary>
        [Fact]
        public void ConversationIdsAreMatchedIgnoringCaseAsBefore()
        {
            using var ps = new PowerShellSession();
            const string Define = "function t { param([VisionPS.Infrastructure.ValidateConversationId($true)][string]$Id) $Id }; "
                + "function c { param([VisionPS.Infrastructure.ValidateConversationId($false)][string]$Id) $Id }; ";
            Assert.Equal(new[] { "Conv_abc", "THREAD_x", "CONV_abc" }, ps.Run<string>(Define + "t Conv_abc; t THREAD_x; c CONV_abc"));
            Assert.Empty(ps.Errors);
            ps.Run(Define + "c thread_abc");
            Assert.Contains("'thread_abc' is not a conversation id (conv_...)", Assert.Single(ps.Errors).ToString(), StringComparison.Ordinal);
        }
    }
}
