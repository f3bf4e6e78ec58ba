using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    public class HostileInputTests
    {
        [Theory]
        [MemberData(nameof(TestCorpus.BadFiles), MemberType = typeof(TestCorpus))]
        public void EveryBadFileEndsInATypedErrorOrAPreparedImage(string file)
        {
            string path = TestCorpus.Bad(file);
            var sw = Stopwatch.StartNew();
            try
            {
                PreparedImage image = ImagePreparer.Prepare(path);
                Assert.NotEmpty(image.Bytes);
                Assert.StartsWith("image/", image.MimeType, StringComparison.Ordinal);
            }
            catch (ImageProcessingException ex)
            {
                Assert.Contains(file, ex.Message, StringComparison.Ordinal);
                Assert.Equal(path, ex.SourceName);
            }
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"{file} took {sw.Elapsed}");
        }

        [Theory]
        [InlineData("bomb_header_100000x100000.png")]
        [InlineData("bomb_deflate_20000x20000_1bit.png")]
        [InlineData("jpeg_sof_65500x65500.jpg")]
        [InlineData("real_gdk_issue205_64250x64250.jpg")]
        [InlineData("real_gdk_large_22500x33300.jpg")]   // progressive: its coefficients alone would take gigabytes
        [InlineData("real_gdk_bug793470_crasher.png")]
        public void DeclaredGiantsFailFastAsTooLargeBeforeAnyAllocation(string file)
        {
            var sw = Stopwatch.StartNew();
            long before = GC.GetAllocatedBytesForCurrentThread();
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(TestCorpus.Bad(file)));
            Assert.Equal(ImageErrorReason.TooLarge, ex.Reason);
            Assert.Contains("budget", ex.Message, StringComparison.Ordinal);
            // A hang guard, not a speed test: refusing takes well under a second alone (1.35 s seen at load 60), while
            // decoding any of these would take minutes and gigabytes.
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"{file}: {sw.Elapsed}");
            // Only the file itself was read into memory.
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < new FileInfo(TestCorpus.Bad(file)).Length + 4_000_000);
        }

        [Fact]
        public void AHugeBaselineJpegWithinTheDecodeBudgetAfterShrinkOnLoadIsAccepted()
        {
            // 200 MP declared; decoding at 1/8 scale costs ~3 MP.
            string file = Path.Combine(Path.GetTempPath(), "visionps-200mp.jpg");
            // libvips streams it; ImageMagick's policy refuses to hold 200 MP.
            TestCorpus.Run("vips", "black", file + "[Q=50]", "16000", "12500");
            try
            {
                PreparedImage image = ImagePreparer.Prepare(file);
                Assert.Equal((2048, 1600), (image.Width, image.Height));
                var tight = new PrepareOptions();
                tight.Budget.MaxSourcePixels = 100_000_000;
                Assert.Equal(ImageErrorReason.TooLarge,
                    Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(file, tight)).Reason);
            }
            finally
            {
                File.Delete(file);
            }
        }

        [Theory]
        [InlineData("truncated_in_header_storm.jpg", ImageErrorReason.Truncated)]
        [InlineData("truncated_after_ihdr.png", ImageErrorReason.Truncated)]
        [InlineData("zero_bytes.jpg", ImageErrorReason.NotAnImage)]
        [InlineData("text_file_named.png", ImageErrorReason.NotAnImage)]
        [InlineData("svg_named.jpg", ImageErrorReason.UnsupportedFormat)]
        [InlineData("bad_ihdr_crc.png", ImageErrorReason.Damaged)]
        [InlineData("garbage_after_soi.jpg", ImageErrorReason.DecodeFailed)]
        public void DamagedFilesGetTheRightReason(string file, ImageErrorReason reason)
        {
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(TestCorpus.Bad(file)));
            Assert.Equal(reason, ex.Reason);
        }

        [Fact]
        public void PrepareManyKeepsInputOrderAndOneBadFileNeverStopsTheOthers()
        {
            string[] files =
            {
                TestCorpus.File("jpg_storm_1920x1280.jpg"), TestCorpus.Bad("text_file_named.png"),
                TestCorpus.File("png_wizard_1104x1468_rgba.png"), TestCorpus.Bad("bomb_header_100000x100000.png"),
                Path.Combine(TestCorpus.Dir, "missing.png"), TestCorpus.File("gif_static_smile_48.gif"),
            };
            var results = ImagePreparer.PrepareMany(files, maxParallel: 2).ToList();
            Assert.Equal(files, results.Select(r => r.SourceName));
            Assert.Equal(new[] { true, false, true, false, false, true }, results.Select(r => r.Succeeded));
            Assert.IsType<ImageProcessingException>(results[1].Error);
            Assert.IsType<FileNotFoundException>(results[4].Error);
        }

        [Fact]
        public void PrepareManyStopsWhenCancelled()
        {
            using var cts = new System.Threading.CancellationTokenSource();
            var files = Enumerable.Repeat(TestCorpus.File("jpg_wood_2560x1920.jpg"), 50);
            int seen = 0;
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                foreach (PrepareResult r in ImagePreparer.PrepareMany(files, null, 2, cts.Token))
                {
                    if (++seen == 2)
                    {
                        cts.Cancel();
                    }
                }
            });
            Assert.True(seen < 50);
        }

        public static IEnumerable<object[]> FuzzFindings() =>
            Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Imaging", "Samples", "Fuzz"), "*.bin").Select(f => new object[] { Path.GetFileName(f) });

        [Theory]
        [MemberData(nameof(FuzzFindings))]
        public void FuzzFindingsAreTypedErrorsOrPreparedImages(string file)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Imaging", "Samples", "Fuzz", file));
            try
            {
                PreparedImage image = ImagePreparer.Prepare(bytes, file, new PrepareOptions { MaxSide = 512 });
                Assert.True(image.Bytes.Length > 0);
            }
            catch (ImageProcessingException ex)
            {
                Assert.Contains($"'{file}'", ex.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("Exception", ex.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("ColorTransform", ex.Message, StringComparison.Ordinal);
            }
        }

        /// <summary>
        /// The mutation fuzzer, in a child process (the bench harness's fuzz verb, which itself decodes in a worker
        /// process it restarts after a crash). VISIONPS_FUZZ_CASES sets the count (default 3000).
        /// </summary>
        [Fact]
        public void MutationFuzzerFindsNoCrashHangOrUntypedError()
        {
            int cases = int.TryParse(Environment.GetEnvironmentVariable("VISIONPS_FUZZ_CASES"), out int n) ? n : 3000;
            string bench = Path.Combine(TestCorpus.Root, "tests", "VisionPS.Bench", "bin",
                AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release", "net10.0", "VisionPS.Bench.dll");
            Assert.True(File.Exists(bench), $"{bench} is not built");
            string[] seeds = FuzzSeeds.Files.Select(TestCorpus.File).ToArray();
            string findings = Path.Combine(Path.GetTempPath(), "visionps-fuzz-findings");
            byte[] stdout = RunAllowingFailure("dotnet", new[] { bench, "fuzz", "--cases", cases.ToString(), "--seed", "1", "--findings", findings }
                .Concat(seeds).ToArray(), out int exit);
            string text = System.Text.Encoding.UTF8.GetString(stdout);
            string summary = text.Split('\n').First(l => l.StartsWith("{\"summary\"", StringComparison.Ordinal));
            using var doc = JsonDocument.Parse(summary);
            Assert.True(exit == 0 && doc.RootElement.GetProperty("findings").GetInt32() == 0, text);
            Assert.Equal(cases, doc.RootElement.GetProperty("prepared").GetInt32() + doc.RootElement.GetProperty("rejected").GetInt32());
        }

        /// <summary>
        /// The fuzzer with --repair on PNGs that declare transparency (RGBA interlaced, grey+alpha, a 2-bit grey key, an
        /// RGB key, a 4-bit palette with tRNS): the damage gets past the chunk CRCs into the stream proof, the scanline
        /// readers (the alpha scan, the short-palette check) and the decoders. Nothing may crash, hang or throw untyped,
        /// and the repair must let more cases through than plain mutation does (else it reached nothing new).
        /// </summary>
        [Fact]
        public void RepairingFuzzerReachesPngPixelsAndFindsNothing()
        {
            const int cases = 1500;
            string bench = Path.Combine(TestCorpus.Root, "tests", "VisionPS.Bench", "bin",
                AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release", "net10.0", "VisionPS.Bench.dll");
            Assert.True(File.Exists(bench), $"{bench} is not built");
            string dir = Path.Combine(Path.GetTempPath(), "visionps-fuzz-png-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                var seeds = new[] { (6, 8, true), (4, 8, false), (0, 2, true), (2, 8, false), (3, 4, true) }
                    .Select((k, i) =>
                    {
                        string file = Path.Combine(dir, $"seed{i}.png");
                        File.WriteAllBytes(file, PngAlphaScanTests.Picture(k.Item1, k.Item2, k.Item3, 61, 45, i % 2 == 0 ? (30, 20) : null, i));
                        return file;
                    }).ToArray();
                int Prepared(bool repair)
                {
                    string[] args = new[] { bench, "fuzz", "--cases", cases.ToString(), "--seed", "7", "--findings", Path.Combine(dir, "findings") }
                        .Concat(repair ? new[] { "--repair" } : Array.Empty<string>()).Concat(seeds).ToArray();
                    string text = System.Text.Encoding.UTF8.GetString(RunAllowingFailure("dotnet", args, out int exit));
                    using var doc = JsonDocument.Parse(text.Split('\n').First(l => l.StartsWith("{\"summary\"", StringComparison.Ordinal)));
                    Assert.True(exit == 0 && doc.RootElement.GetProperty("findings").GetInt32() == 0, text);
                    Assert.Equal(cases, doc.RootElement.GetProperty("prepared").GetInt32() + doc.RootElement.GetProperty("rejected").GetInt32());
                    return doc.RootElement.GetProperty("prepared").GetInt32();
                }
                int plain = Prepared(repair: false), repaired = Prepared(repair: true);
                Assert.True(repaired > plain * 2, $"--repair prepared {repaired} of {cases}, plain mutation {plain}");
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        [Theory]
        [InlineData("png_logo_2135x2048_rgba.png d_webp_lossless_glow_rgba.webp", "no")]
        [InlineData("png_logo_2135x2048_rgba.png d_heic_storm.heic", "yes")]
        // Every JPEG has its scans checked by libjpeg-turbo through Magick.NET (JpegScanCheck): one that passes through,
        // a sequential one that is re-encoded, and a progressive one that is re-encoded (libjpeg-turbo decodes it).
        [InlineData("jpg_elephants_5640x3172_prog.jpg png_logo_2135x2048_rgba.png", "yes")]
        [InlineData("png_logo_2135x2048_rgba.png jpg_storm_1920x1280.jpg", "yes")]
        [InlineData("png_logo_2135x2048_rgba.png jpg_wood_2560x1920.jpg", "yes")]
        public async System.Threading.Tasks.Task MagickNetLoadsOnlyForAFormatSkiaLacksOrAJpegWhoseScansAreChecked(string files, string loaded)
        {
            string bench = Path.Combine(TestCorpus.Root, "tests", "VisionPS.Bench", "bin",
                AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release", "net10.0", "VisionPS.Bench.dll");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(bench);
            psi.ArgumentList.Add("prepare");
            foreach (string f in files.Split(' '))
            {
                psi.ArgumentList.Add(TestCorpus.File(f));
            }
            psi.Environment["VISIONPS_TRACE"] = "1";
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = await p.StandardError.ReadToEndAsync();
            string output = await stdout;
            await p.WaitForExitAsync();
            Assert.Equal(0, p.ExitCode);
            Assert.Contains("magick-loaded: " + loaded, stderr, StringComparison.Ordinal);
            Assert.Equal(files.Split(' ').Length + 1, output.Trim().Split('\n').Length);
        }

        private static byte[] RunAllowingFailure(string tool, string[] args, out int exit)
        {
            var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            using var ms = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();
            exit = p.ExitCode;
            return ms.ToArray();
        }

        /// <summary>
        /// A valid progressive 8x8 colour JPEG, flat grey (every coefficient 0), of <paramref name="scans"/> scans: a DC scan,
        /// then each AC band of each component in successive approximation (a first scan at Al=6 and six refinements), each
        /// scan's data one EOB. Made as the hostile many-scan files are; djpeg decodes it without a warning.
        /// </summary>
        internal static byte[] ManyScanJpeg(int scans)
        {
            var j = new MemoryStream();
            void Segment(byte marker, params byte[] body)
            {
                j.Write(new byte[] { 0xFF, marker, (byte)((body.Length + 2) >> 8), (byte)(body.Length + 2) });
                j.Write(body);
            }
            void Scan(int[] components, int ss, int se, int ah, int al, byte data)
            {
                Segment(0xDA, new[] { (byte)components.Length }.Concat(components.SelectMany(c => new[] { (byte)(c + 1), (byte)0 }))
                    .Concat(new[] { (byte)ss, (byte)se, (byte)((ah << 4) | al) }).ToArray());
                j.WriteByte(data);
            }
            j.Write(new byte[] { 0xFF, 0xD8 });
            Segment(0xDB, new byte[] { 0 }.Concat(Enumerable.Repeat((byte)1, 64)).ToArray());
            Segment(0xC2, 8, 0, 8, 0, 8, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0);
            byte[] oneCode = new byte[] { 1 }.Concat(new byte[15]).Concat(new byte[] { 0 }).ToArray(); // symbol 0, one 1-bit code
            Segment(0xC4, new byte[] { 0x00 }.Concat(oneCode).Concat(new byte[] { 0x10 }).Concat(oneCode).ToArray());
            Scan(new[] { 0, 1, 2 }, 0, 0, 0, 0, 0x1F);
            int made = 1;
            for (int c = 0; c < 3 && made < scans; c++)
            {
                for (int k = 1; k < 64 && made < scans; k++)
                {
                    for (int al = 6; al >= 0 && made < scans; al--, made++)
                    {
                        Scan(new[] { c }, k, k, al == 6 ? 0 : al + 1, al, 0x7F);
                    }
                }
            }
            Assert.Equal(scans, made);
            j.Write(new byte[] { 0xFF, 0xD9 });
            return j.ToArray();
        }

        [Fact]
        public void AJpegOfMoreScansThanVisionPSDecodesIsRefusedNamingTheCountNotAsDamage()
        {
            // 1,200 scans: ImageMagick's libjpeg stops at its own limit with "too many scans", which read as damage.
            foreach (PrepareOptions options in new[] { new PrepareOptions(), new PrepareOptions { AllowPartial = true } })
            {
                var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(ManyScanJpeg(1200), "scans.jpg", options));
                Assert.Equal(ImageErrorReason.TooLarge, ex.Reason);
                Assert.Equal("it has 1200 scans, more than the 1000 VisionPS decodes", ex.Detail);
                Assert.StartsWith("'scans.jpg' (JPEG) has 1200 scans, more than the 1000 VisionPS decodes:", ex.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("damaged", ex.Message, StringComparison.Ordinal);
            }

            // At the limit it is an ordinary progressive JPEG, proven whole and sent as it is.
            PreparedImage image = ImagePreparer.Prepare(ManyScanJpeg(1000), "scans.jpg");
            Assert.Equal(PrepareAction.Pass, image.Action);
        }
    }

    /// <summary>Small corpus files of every format the fuzzer mutates (small, so thousands of cases run in seconds).</summary>
    internal static class FuzzSeeds
    {
        public static readonly string[] Files =
        {
            "bmp_sdl_palette_23x42.bmp", "bmp_sdl_svg64_rgba.bmp", "gif_static_smile_48.gif", "gif_static_interlace_16.gif",
            "gif_anim_aero_350x189.gif", "jpg_icc_profile_48.jpg", "jpg_wizard_265x352_prog.jpg", "jpg_orient6_panasonic_640x428.jpg",
            "png_debian_logo_256_palette_trns.png", "png_jqueryui_icons_256x240_palette_trns.png", "png_piechart_624x369_rgba16.png",
            "tif_gdk_dpi_48_rgba.tiff", "tif_sdl_sample_23x42.tif", "d_webp_anim_aero.webp", "d_avif_storm.avif",
        };
    }
}
