using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    public class ConvertToVisionImageTests
    {
        private static string Sha(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

        private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

        [Fact]
        public void SidewaysPhotoComesOutUprightAndReencoded()
        {
            using var ps = new PowerShellSession();
            PSObject image = ps.Run("ConvertTo-VisionImage -LiteralPath $args[0]", Paths.CorpusFile("jpg_orient6_panasonic_640x428.jpg")).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal("VisionPS.VisionImage", image.TypeNames[0]);
            Assert.Equal("Reencode", Prop<string>(image, "Action"));
            Assert.Equal(6, Prop<int>(image, "OrientationApplied"));
            Assert.Equal((428, 640), (Prop<int>(image, "Width"), Prop<int>(image, "Height")));
            Assert.Equal((640, 428), (Prop<int>(image, "SourceWidth"), Prop<int>(image, "SourceHeight")));
        }

        [Fact]
        public void HeicPhotoBecomesJpeg()
        {
            using var ps = new PowerShellSession();
            PSObject image = ps.Run("ConvertTo-VisionImage $args[0]", Paths.CorpusFile("d_heic_storm.heic")).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal("image/jpeg", Prop<string>(image, "MimeType"));
            Assert.Equal("Heif", Prop<string>(image, "SourceFormat"));
            byte[] bytes = ps.Run<byte[]>(",$args[0].GetBytes()", image).Single();
            Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF }, bytes.Take(3));
        }

        [Fact]
        public void AcceptedImagesPassThroughByteIdenticalWithTheirRealMimeInTheDataUrl()
        {
            // Small enough for the default model (gpt-4.1-mini) to look at as it is.
            string file = Paths.CorpusFile("png_emerald_glow_800_rgba.png");
            byte[] original = File.ReadAllBytes(file);
            using var ps = new PowerShellSession();
            PSObject image = ps.Run("ConvertTo-VisionImage -LiteralPath $args[0]", file).Single();
            Assert.Equal("Pass", Prop<string>(image, "Action"));
            Assert.Equal(Sha(original), Prop<string>(image, "Sha256"));
            string url = ps.Run<string>("$args[0].ToDataUrl()", image).Single();
            Assert.StartsWith("data:image/png;base64,", url, StringComparison.Ordinal);
            Assert.Equal(original, Convert.FromBase64String(url.Substring("data:image/png;base64,".Length)));
        }

        [Fact]
        public void ABadFileInTheMiddleYieldsOneErrorAndEveryOtherResultInOrder()
        {
            using var ps = new PowerShellSession();
            string[] files =
            {
                Paths.CorpusFile("jpg_storm_1920x1280.jpg"),
                Path.Combine(Paths.Corpus, "bad", "text_file_named.png"),
                Paths.CorpusFile("gif_static_smile_48.gif"),
                Path.Combine(Paths.Corpus, "bad", "bomb_header_100000x100000.png"),
                Paths.CorpusFile("d_tif_lzw_wood.tif"),
            };
            var output = ps.Run("$args | ConvertTo-VisionImage", files.Cast<object>().ToArray());
            Assert.Equal(new[] { files[0], files[2], files[4] }, output.Select(o => Prop<string>(o, "Source")));
            Assert.Equal(2, ps.Errors.Count);
            Assert.Equal("UnsupportedImageFormat,VisionPS.Commands.ConvertToVisionImageCommand", ps.Errors[0].FullyQualifiedErrorId);
            Assert.Equal(files[1], ps.Errors[0].TargetObject);
            Assert.Contains("text_file_named.png", ps.Errors[0].ToString(), StringComparison.Ordinal);
            Assert.Equal("ImageTooLarge,VisionPS.Commands.ConvertToVisionImageCommand", ps.Errors[1].FullyQualifiedErrorId);
            Assert.Contains("bomb_header_100000x100000.png", ps.Errors[1].ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public void ModelAndLowDetailSizeTheImageToWhatTheModelSeesAndEstimateItsTokens()
        {
            using var ps = new PowerShellSession();
            PSObject image = ps.Run("ConvertTo-VisionImage -LiteralPath $args[0] -Model gpt-4o -Detail Low", Paths.CorpusFile("jpg_wood_2560x1920.jpg")).Single();
            Assert.Equal((512, 384), (Prop<int>(image, "Width"), Prop<int>(image, "Height")));
            Assert.Equal(85, Prop<int?>(image, "EstimatedTokens"));
            Assert.Equal("gpt-4o", Prop<string>(image, "Model"));

            // gpt-4o high: fit 2048, shortest side 768 -> 1024x768 -> 2x2 tiles -> 85 + 4*170.
            PSObject high = ps.Run("ConvertTo-VisionImage -LiteralPath $args[0] -Model gpt-4o -Detail High", Paths.CorpusFile("jpg_wood_2560x1920.jpg")).Single();
            Assert.Equal((1024, 768), (Prop<int>(high, "Width"), Prop<int>(high, "Height")));
            Assert.Equal(765, Prop<int?>(high, "EstimatedTokens"));
        }

        [Fact]
        public void FormatMaxSideBytesInputAndSave()
        {
            using var ps = new PowerShellSession();
            byte[] jpeg = File.ReadAllBytes(Paths.CorpusFile("jpg_storm_1920x1280.jpg"));
            PSObject image = ps.Run("ConvertTo-VisionImage -InputObject $args[0] -Format Png -MaxSide 300", (object)jpeg).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal("image/png", Prop<string>(image, "MimeType"));
            Assert.Equal((300, 200), (Prop<int>(image, "Width"), Prop<int>(image, "Height")));
            string target = Path.Combine(Path.GetTempPath(), "visionps-save-" + Guid.NewGuid().ToString("N") + ".png");
            try
            {
                string saved = ps.Run<string>("$args[0].Save($args[1])", image, target).Single();
                Assert.Equal(target, saved);
                Assert.Equal(Prop<string>(image, "Sha256"), Sha(File.ReadAllBytes(target)));
            }
            finally
            {
                File.Delete(target);
            }
        }

        [Fact]
        public async Task UrlsPassThroughUntouchedOrAreDownloadedAndPreparedWithDownload()
        {
            using var listener = new HttpListener();
            int port = FreePort();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            byte[] photo = File.ReadAllBytes(Paths.CorpusFile("jpg_orient6_panasonic_640x428.jpg"));
            Task serve = Task.Run(async () =>
            {
                for (int i = 0; i < 2; i++)
                {
                    HttpListenerContext ctx = await listener.GetContextAsync();
                    bool found = ctx.Request.Url!.AbsolutePath == "/photo.jpg";
                    ctx.Response.StatusCode = found ? 200 : 404;
                    if (found)
                    {
                        await ctx.Response.OutputStream.WriteAsync(photo);
                    }
                    ctx.Response.Close();
                }
            });
            string url = $"http://127.0.0.1:{port}/photo.jpg";
            using var ps = new PowerShellSession();

            PSObject passed = ps.Run("ConvertTo-VisionImage -Uri $args[0]", url).Single();
            Assert.Equal("Url", Prop<string>(passed, "Action"));
            Assert.Equal(new Uri(url), Prop<Uri>(passed, "Url"));

            var downloaded = ps.Run("ConvertTo-VisionImage -Uri $args[0], $args[1] -Download", url, $"http://127.0.0.1:{port}/missing.jpg");
            PSObject image = Assert.Single(downloaded);
            Assert.Equal((428, 640), (Prop<int>(image, "Width"), Prop<int>(image, "Height")));
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Equal("ImageNotFound,VisionPS.Commands.ConvertToVisionImageCommand", error.FullyQualifiedErrorId);
            Assert.Contains("missing.jpg", error.ToString(), StringComparison.Ordinal);
            await serve.WaitAsync(TimeSpan.FromSeconds(10));
        }

        [Fact]
        public void StreamsArePreparedAndAClosedStreamIsOneErrorRecord()
        {
            using var ps = new PowerShellSession();
            using var open = File.OpenRead(Paths.CorpusFile("jpg_orient6_panasonic_640x428.jpg"));
            PSObject image = ps.Run("ConvertTo-VisionImage -InputObject $args[0]", open).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal((428, 640), (Prop<int>(image, "Width"), Prop<int>(image, "Height")));

            var closed = File.OpenRead(Paths.CorpusFile("jpg_storm_1920x1280.jpg"));
            closed.Dispose();
            Assert.Empty(ps.Run("ConvertTo-VisionImage -InputObject $args[0]", closed));
            Assert.Equal("ImageDecodeFailed,VisionPS.Commands.ConvertToVisionImageCommand", Assert.Single(ps.Errors).FullyQualifiedErrorId);
        }

        [Fact]
        public void VerboseSaysWhatWasDecidedPerImage()
        {
            using var ps = new PowerShellSession();
            ps.Run("ConvertTo-VisionImage -LiteralPath $args -Verbose", Paths.CorpusFile("jpg_gray_cat_512.jpg"), Paths.CorpusFile("jpg_wood_2560x1920.jpg"));
            Assert.Contains(ps.Verbose, v => v.Contains("jpg_gray_cat_512.jpg: passed through", StringComparison.Ordinal));
            // Sized for the default model, gpt-4.1-mini (1,536 patches of 32 px), as Send-VisionChat would send it.
            Assert.Contains(ps.Verbose, v => v.Contains("jpg_wood_2560x1920.jpg: Jpeg 2560x1920 re-encoded to image/jpeg 1408x1056", StringComparison.Ordinal));
        }

        internal static int FreePort()
        {
            var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }
    }
}
