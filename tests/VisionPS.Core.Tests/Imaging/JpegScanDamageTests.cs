using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// JPEGs damaged inside their entropy-coded data that still end with EOI: garbage, overwritten or zeroed bytes, a
    /// scan cut short, extraneous bytes before a marker, restart markers dropped, repeated or out of order, in baseline
    /// and progressive files. djpeg (libjpeg-turbo) is the independent reference: every file it warns about is refused
    /// as <see cref="ImageErrorReason.Damaged"/> naming the problem (and sent re-encoded with a warning under
    /// <see cref="PrepareOptions.AllowPartial"/>); every file it reads cleanly passes through as before.
    /// </summary>
    public sealed class JpegScanDamageTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-jpegscan-" + Guid.NewGuid().ToString("N"));

        public JpegScanDamageTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        // Pass-through sources: baseline 4:2:2, progressive 4:4:4, a small progressive file, and restart-marker files made here.
        public static IEnumerable<object[]> Sources() => new[]
        {
            new object[] { "jpg_storm_1920x1280.jpg" },
            new object[] { "jpg_elephants_1920x1080_prog.jpg" },
            new object[] { "jpg_wizard_265x352_prog.jpg" },
            new object[] { "restart:baseline" },
            new object[] { "restart:progressive" },
        };

        public static IEnumerable<object[]> Damages() =>
            from s in Sources()
            from kind in new[] { "garbage", "overwrite", "zeros", "cut-scan", "cut-last-scan", "extraneous" }
            select new object[] { s[0], kind };

        public static IEnumerable<object[]> RestartDamages() =>
            from s in new[] { "restart:baseline", "restart:progressive" }
            from kind in new[] { "rst-drop", "rst-repeat", "rst-swap", "rst-wrong" }
            select new object[] { s, kind };

        /// <summary>
        /// The one thing djpeg warns about that is not damage: zero bytes an encoder wrote after the last block, before
        /// the EOI ("N extraneous bytes before marker 0xd9"). Every block decodes first, so the pixels are the file's
        /// without them, as browsers show it: it passes through. Bytes there that are not all zero stay damage (the
        /// "extraneous" case above).
        /// </summary>
        [Theory]
        [InlineData("jpg_storm_1920x1280.jpg")]
        [InlineData("restart:progressive")]
        public void AJpegPaddedWithZerosBeforeItsEndOfImageIsWholeNotDamaged(string source)
        {
            byte[] intact = Source(source);
            byte[] padded = Insert(intact, intact.Length - 2, new byte[16]);
            Assert.Contains("extraneous bytes before marker 0xd9", Djpeg(padded), StringComparison.OrdinalIgnoreCase);

            PreparedImage image = ImagePreparer.Prepare(padded, "padded.jpg");
            Assert.Equal(PrepareAction.Pass, image.Action);
            Assert.Empty(image.Warnings);
            PreparedImage small = ImagePreparer.Prepare(padded, "padded.jpg", new PrepareOptions { MaxSide = 256 });
            Assert.Equal(PrepareAction.Reencode, small.Action);
            Assert.Empty(small.Warnings);

            byte[] garbage = Insert(intact, intact.Length - 2, Enumerable.Repeat((byte)0, 15).Append((byte)1).ToArray());
            Assert.Equal(ImageErrorReason.Damaged, Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(garbage, "garbage.jpg")).Reason);
        }

        /// <summary>
        /// A scan cut halfway and filled with zeros up to EOI: libjpeg decodes the zeros as flat blocks (the lower half
        /// of the picture is blank) and reports only the zeros left after its last block, all zero. That is no padding.
        /// </summary>
        [Theory]
        [InlineData("jpg_storm_1920x1280.jpg", 0)]
        [InlineData("jpg_storm_1920x1280.jpg", 256)]
        [InlineData("jpg_elephants_1920x1080_prog.jpg", 256)]
        public void AScanCutAndFilledWithZerosIsNotPadding(string source, int maxSide)
        {
            byte[] intact = Source(source);
            var (start, end) = Scans(intact)[^1];
            int cut = start + ((end - start) / 2);
            byte[] filled = intact.AsSpan(0, cut).ToArray().Concat(new byte[2000000]).Concat(new byte[] { 0xFF, 0xD9 }).ToArray();
            Assert.Contains("extraneous bytes before marker 0xd9", Djpeg(filled), StringComparison.OrdinalIgnoreCase);
            var options = maxSide > 0 ? new PrepareOptions { MaxSide = maxSide } : new PrepareOptions();
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(filled, "filled.jpg", options));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
        }

        [Theory]
        [MemberData(nameof(Damages))]
        [MemberData(nameof(RestartDamages))]
        public void AJpegDamagedInsideItsScanIsRefusedAsDjpegWarnsAndSentWithAWarningOnRequest(string source, string kind)
        {
            byte[] intact = Source(source);
            Assert.Equal(string.Empty, Djpeg(intact));
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(intact, "intact.jpg").Action);

            byte[] damaged = Damage(intact, kind);
            Assert.Equal(0xFF, damaged[^2]);
            Assert.Equal(0xD9, damaged[^1]);
            string reference = Djpeg(damaged);
            Assert.True(reference.Length > 0, $"djpeg reads the '{kind}' damage cleanly, so the case proves nothing");

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(damaged, "scan.jpg"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("'scan.jpg'", ex.Message, StringComparison.Ordinal);
            // What libjpeg said, in its own words after "libjpeg:", and no ImageMagick internals. Where the bytes are
            // random, the first thing libjpeg-turbo notices can differ from djpeg's: its fast Huffman path (taken or not
            // depending on how much input the caller has buffered) decodes a bad code without a warning, and the
            // desynchronised scan is caught at its end instead ("N extraneous bytes", "premature end of data segment").
            string said = reference.Split('\n')[0].Replace("Corrupt JPEG data: ", string.Empty, StringComparison.Ordinal).Trim();
            if (kind is "garbage" or "overwrite" or "zeros")
            {
                Assert.Matches(@"\(libjpeg: (bad Huffman code|premature end of data segment|\d+ extraneous bytes before marker 0x[0-9A-F]{2})\)", ex.Detail);
            }
            else
            {
                Assert.Contains("(libjpeg: " + said + ")", ex.Detail, StringComparison.OrdinalIgnoreCase);
            }
            Assert.Contains(kind.StartsWith("rst-", StringComparison.Ordinal) && said.StartsWith("found marker", StringComparison.Ordinal)
                ? "restart markers" : "entropy-coded", ex.Detail, StringComparison.Ordinal);
            foreach (string internals in new[] { "jpeg.c", "JPEGWarningHandler", " @ ", "`", "Magick", "Exception" })
            {
                Assert.DoesNotContain(internals, ex.Message, StringComparison.Ordinal);
            }
            Assert.True(ex.Data["MagickMessage"] is string raw && raw.Contains("JPEG", StringComparison.Ordinal), "the raw text is kept for -Debug");

            PreparedImage partial = ImagePreparer.Prepare(damaged, "scan.jpg", new PrepareOptions { AllowPartial = true });
            Assert.Equal(PrepareAction.Reencode, partial.Action);
            string warning = Assert.Single(partial.Warnings, w => w.Contains("is damaged", StringComparison.Ordinal));
            Assert.Contains(ex.Detail, warning, StringComparison.Ordinal);
            Assert.Contains("may be wrong", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("All of its pixels decoded", warning, StringComparison.Ordinal);
        }

        [Theory]
        [MemberData(nameof(Sources))]
        public void RandomBitFlipsInTheScanAreRefusedExactlyWhenDjpegWarns(string source)
        {
            byte[] intact = Source(source);
            var (start, end) = Scans(intact)[0];
            var random = new Random(source.Sum(c => c) + 19); // the same flips every run
            int warned = 0, clean = 0;
            for (int i = 0; i < 12; i++)
            {
                byte[] flipped = (byte[])intact.Clone();
                for (int n = 0; n < 1 + (i % 3); n++)
                {
                    int at = random.Next(start + 1, end - 1);
                    byte changed = (byte)(flipped[at] ^ (1 << random.Next(8)));
                    // Keep the marker structure: never make or unmake a 0xFF.
                    if (flipped[at] != 0xFF && flipped[at - 1] != 0xFF && changed != 0xFF)
                    {
                        flipped[at] = changed;
                    }
                }
                string reference = Djpeg(flipped);
                if (reference.Length > 0)
                {
                    warned++;
                    var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(flipped, "flip.jpg"));
                    Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
                }
                else
                {
                    clean++;
                    // libjpeg cannot see this damage (JPEG has no checksum): nothing flags it as damaged either.
                    PreparedImage image = ImagePreparer.Prepare(flipped, "flip.jpg");
                    Assert.Equal(PrepareAction.Pass, image.Action);
                }
            }
            // Both outcomes occur for every source with these seeds, so both halves of the rule are exercised.
            Assert.True(warned > 0 && clean > 0, $"warned {warned}, clean {clean}");
        }

        public static IEnumerable<object[]> CorpusJpegs() =>
            TestCorpus.GoodFiles().Where(f => ((string)f[0]).EndsWith(".jpg", StringComparison.Ordinal));

        [Theory]
        [MemberData(nameof(CorpusJpegs))]
        public void EveryGoodCorpusJpegIsReadCleanlyByDjpegAndPreparedWithoutAFalseAlarm(string file)
        {
            byte[] bytes = File.ReadAllBytes(TestCorpus.File(file));
            Assert.Equal(string.Empty, Djpeg(bytes));
            PreparedImage image = ImagePreparer.Prepare(bytes, file);
            Assert.DoesNotContain(image.Warnings, w => w.Contains("damaged", StringComparison.OrdinalIgnoreCase));
        }

        [Theory]
        [InlineData("jpg_storm_1920x1280.jpg")]
        [InlineData("jpg_elephants_1920x1080_prog.jpg")]
        [InlineData("jpg_wizard_265x352_prog.jpg")]
        [InlineData("jpg_gray_cat_512.jpg")]
        [InlineData("d_jpg_restart_storm.jpg")]
        public void IntactPassThroughJpegsStillPassThrough(string file) =>
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(File.ReadAllBytes(TestCorpus.File(file)), file).Action);

        [Fact]
        public void ExtraneousBytesLibjpegSwallowsInItsBitBufferAreNotAFalseAlarm()
        {
            // One byte before EOI sits in libjpeg's bit buffer and goes unnoticed; djpeg reads it cleanly, and so do we.
            byte[] intact = Source("jpg_storm_1920x1280.jpg");
            byte[] one = Insert(intact, intact.Length - 2, new byte[] { 0x01 });
            Assert.Equal(string.Empty, Djpeg(one));
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(one, "one.jpg").Action);
        }

        public static IEnumerable<object[]> MarkerDamages() =>
            (from s in new[] { "restart:baseline", "restart:progressive" }
             from kind in new[] { "rst-drop", "rst-repeat", "rst-swap", "rst-wrong", "cut-scan", "marker-garbage" }
             select new object[] { s, kind })
            .Concat(new[] { new object[] { "jpg_storm_1920x1280.jpg", "marker-garbage" }, new object[] { "jpg_elephants_1920x1080_prog.jpg", "marker-garbage" } });

        [Theory]
        [MemberData(nameof(MarkerDamages))]
        public void AReencodedJpegWhoseMarkersAreDamagedIsRefusedAndSentWithAWarningOnRequest(string source, string kind)
        {
            // MaxSide 256: the file is decoded and re-encoded, never passed through, so only the marker check sees it.
            var small = new PrepareOptions { MaxSide = 256 };
            byte[] intact = Source(source);
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(intact, "intact.jpg", small).Action);
            byte[] damaged = kind == "marker-garbage"
                ? Insert(intact, (Scans(intact)[0].Start + Scans(intact)[0].End) / 2, new byte[] { 0x12, 0xFF, 0x37, 0x80, 0x11, 0xFF, 0x05 })
                : Damage(intact, kind);
            string reference;
            try
            {
                reference = Djpeg(damaged);
            }
            catch (Exception e) when (e.Message.StartsWith("djpeg failed", StringComparison.Ordinal))
            {
                reference = e.Message; // libjpeg stops at an unknown marker: damage all the same
            }
            Assert.True(reference.Length > 0, $"djpeg reads the '{kind}' damage cleanly, so the case proves nothing");

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(damaged, "scan.jpg", small));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("'scan.jpg'", ex.Message, StringComparison.Ordinal);
            Assert.Matches(kind == "marker-garbage" ? "invalid marker 0x(37|05)" : kind == "cut-scan" ? "cut short|restart markers" : "restart marker", ex.Detail);

            PreparedImage partial;
            try
            {
                partial = ImagePreparer.Prepare(damaged, "scan.jpg", new PrepareOptions { MaxSide = 256, AllowPartial = true });
            }
            catch (ImageProcessingException none) when (none.Reason == ImageErrorReason.Damaged)
            {
                // Skia's decoder gives up at the bad marker before any row: there is no part to send.
                Assert.Contains("no row of pixels decodes", none.Detail, StringComparison.Ordinal);
                Assert.DoesNotContain("-AllowPartial", none.Message, StringComparison.Ordinal); // it would not help
                return;
            }
            string warning = Assert.Single(partial.Warnings, w => w.Contains("is damaged", StringComparison.Ordinal));
            Assert.Contains("may be wrong", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("All of its pixels decoded", warning, StringComparison.Ordinal);
        }

        public static IEnumerable<object[]> ReencodeDamages() =>
            from s in new[] { "jpg_storm_1920x1280.jpg", "restart:baseline", "jpg_elephants_1920x1080_prog.jpg", "restart:progressive", "gray:progressive" }
            from kind in new[] { "garbage", "overwrite", "zeros", "cut-scan", "flips" }
            // Cutting, overwriting or zeroing across restart markers upsets their sequence, which the marker check sees already.
            where !(s.StartsWith("restart:", StringComparison.Ordinal) && kind is "cut-scan" or "overwrite")
                && !(s == "restart:progressive" && kind == "zeros")
                // A grey progressive file's first scan is its small DC scan, where these flips still make valid codes.
                && !(s == "gray:progressive" && kind == "flips")
            select new object[] { s, kind };

        [Theory]
        [MemberData(nameof(ReencodeDamages))]
        public void AReencodedJpegDamagedInsideItsScanIsRefusedAsDjpegWarns(string source, string kind)
        {
            // MaxSide 256: re-encoded, never passed through. Skia's decoder reads past this damage without a word (grey
            // or shifted blocks), so only libjpeg sees it: a sequential JPEG's scans are checked before Skia decodes
            // it, and a progressive one is decoded by libjpeg-turbo itself, the check and the decode in one pass.
            var small = new PrepareOptions { MaxSide = 256 };
            byte[] intact = Source(source);
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(intact, "intact.jpg", small).Action);
            byte[] damaged = kind == "flips" ? Flip(intact, 10) : Damage(intact, kind);
            Assert.True(Djpeg(damaged).Length > 0, $"djpeg reads the '{kind}' damage cleanly, so the case proves nothing");
            Assert.Null(JpegMarkers.Check(damaged)); // the cheap check alone would let it through

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(damaged, "scan.jpg", small));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("'scan.jpg'", ex.Message, StringComparison.Ordinal);
            Assert.Matches(@"\(libjpeg: [^)]+\)", ex.Detail);
            Assert.True(ex.Data["MagickMessage"] is string raw && raw.Contains("JPEG", StringComparison.Ordinal), "the raw text is kept for -Debug");

            PreparedImage partial = ImagePreparer.Prepare(damaged, "scan.jpg", new PrepareOptions { MaxSide = 256, AllowPartial = true });
            Assert.Equal(PrepareAction.Reencode, partial.Action);
            string warning = Assert.Single(partial.Warnings, w => w.Contains("is damaged", StringComparison.Ordinal));
            Assert.Contains(ex.Detail, warning, StringComparison.Ordinal);
            Assert.Contains("may be wrong", warning, StringComparison.Ordinal);
        }

        /// <summary>Flips <paramref name="count"/> bits in the middle half of the first scan, none making a marker byte.</summary>
        private static byte[] Flip(byte[] intact, int count)
        {
            byte[] copy = (byte[])intact.Clone();
            var (start, end) = Scans(intact)[0];
            var random = new Random(count * 7919); // the same flips every run
            for (int done = 0; done < count;)
            {
                int at = start + ((end - start) / 4) + random.Next((end - start) / 2);
                byte flipped = (byte)(copy[at] ^ (1 << random.Next(8)));
                if (copy[at] == 0xFF || flipped == 0xFF || (at > 0 && copy[at - 1] == 0xFF))
                {
                    continue;
                }
                copy[at] = flipped;
                done++;
            }
            return copy;
        }

        [Theory]
        [MemberData(nameof(GoodJpegs))]
        public void EveryGoodJpegReencodedPassesTheMarkerCheck(string file)
        {
            byte[] bytes = file.StartsWith("restart:", StringComparison.Ordinal) ? Source(file) : File.ReadAllBytes(TestCorpus.File(file));
            Assert.Null(JpegMarkers.Check(bytes));
            PreparedImage image = ImagePreparer.Prepare(bytes, file, new PrepareOptions { MaxSide = 256 });
            Assert.DoesNotContain(image.Warnings, w => w.Contains("damaged", StringComparison.Ordinal));
        }

        public static IEnumerable<object[]> GoodJpegs() =>
            CorpusJpegs().Concat(new[] { new object[] { "restart:baseline" }, new object[] { "restart:progressive" } });

        [Fact]
        public void OneMoreRestartMarkerAfterTheLastBlockIsNotDamage()
        {
            // Some encoders end the scan with a restart marker; libjpeg skips it without a warning, and so do we.
            byte[] intact = Source("restart:baseline");
            int next = Restarts(intact).Count % 8;
            byte[] trailing = Insert(intact, intact.Length - 2, new byte[] { 0xFF, (byte)(0xD0 + next) });
            Assert.Equal(string.Empty, Djpeg(trailing));
            Assert.Null(JpegMarkers.Check(trailing));
            PreparedImage image = ImagePreparer.Prepare(trailing, "trailing.jpg", new PrepareOptions { MaxSide = 256 });
            Assert.DoesNotContain(image.Warnings, w => w.Contains("damaged", StringComparison.Ordinal));
            // Two extra markers are not that: the scan holds more restart intervals than its blocks.
            byte[] two = Insert(trailing, trailing.Length - 2, new byte[] { 0xFF, (byte)(0xD0 + ((next + 1) % 8)) });
            Assert.NotNull(JpegMarkers.Check(two));
        }

        [Fact]
        public void AHarmlessLibjpegWarningIsNotDamage()
        {
            // An unknown JFIF revision (2.01): djpeg warns, but every pixel decodes; it still passes through.
            byte[] jfif = WithJfifRevision2(Source("jpg_storm_1920x1280.jpg"));
            Assert.Contains("JFIF revision", Djpeg(jfif), StringComparison.OrdinalIgnoreCase);
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(jfif, "jfif2.jpg").Action);
        }

        [Theory]
        [InlineData("jpg_storm_1920x1280.jpg", 0)]
        [InlineData("jpg_storm_1920x1280.jpg", 256)]
        [InlineData("jpg_elephants_1920x1080_prog.jpg", 0)]
        [InlineData("jpg_elephants_1920x1080_prog.jpg", 256)]
        public void DamageBehindAHarmlessLibjpegWarningIsStillRefused(string source, int maxSide)
        {
            // libjpeg warns about the JFIF revision first and about the corrupt scan after it; ImageMagick gathers both
            // into one warning, the harmless one in front. Passed through (0) or re-encoded (MaxSide 256).
            // (djpeg prints a file's first warning only: the damage is shown on the file before the revision changes.)
            byte[] garbage = Damage(Source(source), "garbage");
            Assert.Contains("Corrupt JPEG data", Djpeg(garbage), StringComparison.Ordinal);
            byte[] damaged = WithJfifRevision2(garbage);
            Assert.Contains("JFIF revision", Djpeg(damaged), StringComparison.OrdinalIgnoreCase);
            var options = maxSide > 0 ? new PrepareOptions { MaxSide = maxSide } : new PrepareOptions();
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(damaged, "jfif2.jpg", options));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Matches(@"\(libjpeg: [^)]+\)", ex.Detail);
            Assert.DoesNotContain("JFIF", ex.Detail, StringComparison.Ordinal);
        }

        /// <summary>The file with its JFIF segment saying revision 2.01 (one inserted after SOI when it has none).</summary>
        private static byte[] WithJfifRevision2(byte[] b)
        {
            int app0 = -1;
            for (int i = 2; i + 9 < b.Length && app0 < 0; i++)
            {
                if (b[i] == 0xFF && b[i + 1] == 0xE0 && b[i + 4] == (byte)'J' && b[i + 5] == (byte)'F' && b[i + 6] == (byte)'I' && b[i + 7] == (byte)'F')
                {
                    app0 = i;
                }
            }
            byte[] jfif = (byte[])b.Clone();
            if (app0 < 0)
            {
                // No APP0 to edit: insert one after SOI.
                byte[] segment = { 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 2, 1, 0, 0, 1, 0, 1, 0, 0 };
                jfif = Insert(b, 2, segment);
            }
            else
            {
                jfif[app0 + 9] = 2; // major version
                jfif[app0 + 10] = 1;
            }
            return jfif;
        }

        private byte[] Source(string source)
        {
            if (!source.StartsWith("restart:", StringComparison.Ordinal) && !source.StartsWith("gray:", StringComparison.Ordinal))
            {
                return File.ReadAllBytes(TestCorpus.File(source));
            }
            // cjpeg writes a restart marker after every MCU row (-restart 1); libjpeg-turbo-progs is a setup.sh package.
            // "gray:" is a one-component file, no restart markers.
            string ppm = Path.Combine(_dir, "storm.ppm"), jpg = Path.Combine(_dir, source.Replace(':', '_') + ".jpg");
            TestCorpus.Run("convert", TestCorpus.File("jpg_storm_1920x1280.jpg"), "-resize", "640x426!", ppm);
            if (source.StartsWith("gray:", StringComparison.Ordinal))
            {
                TestCorpus.Run("cjpeg", "-quality", "85", "-grayscale", "-progressive", "-outfile", jpg, ppm);
                byte[] gray = File.ReadAllBytes(jpg);
                Assert.Equal(ImageColorType.Gray, ContainerHeaders.Jpeg(gray)!.ColorType);
                return gray;
            }
            var args = new List<string> { "-quality", "85", "-restart", "1" };
            if (source.EndsWith("progressive", StringComparison.Ordinal))
            {
                args.Add("-progressive");
            }
            args.AddRange(new[] { "-outfile", jpg, ppm });
            TestCorpus.Run("cjpeg", args.ToArray());
            byte[] bytes = File.ReadAllBytes(jpg);
            Assert.True(Restarts(bytes).Count > 8, "cjpeg wrote restart markers");
            return bytes;
        }

        private static byte[] Damage(byte[] b, string kind)
        {
            List<(int Start, int End)> scans = Scans(b);
            (int start, int end) = scans[0];
            int mid = (start + end) / 2;
            var random = new Random(19);
            byte[] NoFF(int n) => Enumerable.Range(0, n).Select(_ => (byte)random.Next(0xFF)).ToArray();
            byte[] copy = (byte[])b.Clone();
            switch (kind)
            {
                case "garbage":
                    return Insert(b, mid, NoFF(200));
                case "overwrite":
                    NoFF(2048).CopyTo(copy, mid);
                    return copy;
                case "zeros":
                    Array.Clear(copy, mid, 512);
                    return copy;
                case "cut-scan":
                    return b.AsSpan(0, mid).ToArray().Concat(new byte[] { 0xFF, 0xD9 }).ToArray();
                case "cut-last-scan":
                    (int ls, int le) = scans[^1];
                    return b.AsSpan(0, (ls + le) / 2).ToArray().Concat(new byte[] { 0xFF, 0xD9 }).ToArray();
                case "extraneous":
                    return Insert(b, b.Length - 2, Enumerable.Range(1, 12).Select(i => (byte)i).ToArray());
            }
            List<int> rst = Restarts(b);
            int k = rst[rst.Count / 2], next = rst[(rst.Count / 2) + 1];
            switch (kind)
            {
                case "rst-drop":
                    return b.AsSpan(0, k).ToArray().Concat(b.AsSpan(k + 2).ToArray()).ToArray();
                case "rst-repeat":
                    return Insert(b, k, new[] { b[k], b[k + 1] });
                case "rst-swap":
                    (copy[k + 1], copy[next + 1]) = (copy[next + 1], copy[k + 1]);
                    return copy;
                case "rst-wrong":
                    copy[k + 1] = (byte)(0xD0 + ((copy[k + 1] - 0xD0 + 3) % 8));
                    return copy;
            }
            throw new ArgumentException(kind);
        }

        private static byte[] Insert(byte[] b, int at, byte[] what) =>
            b.AsSpan(0, at).ToArray().Concat(what).Concat(b.AsSpan(at).ToArray()).ToArray();

        /// <summary>The entropy-coded data of each scan: from after its SOS header to the next marker other than RSTn.</summary>
        private static List<(int Start, int End)> Scans(byte[] b)
        {
            var scans = new List<(int, int)>();
            int i = 2;
            while (i + 4 <= b.Length && b[i] == 0xFF && b[i + 1] != 0xD9)
            {
                int marker = b[i + 1];
                if (marker == 0xFF)
                {
                    i++;
                    continue;
                }
                int length = (b[i + 2] << 8) | b[i + 3];
                if (marker != 0xDA)
                {
                    i += 2 + length;
                    continue;
                }
                int start = i + 2 + length, j = start;
                while (!(b[j] == 0xFF && b[j + 1] != 0 && b[j + 1] != 0xFF && (b[j + 1] < 0xD0 || b[j + 1] > 0xD7)))
                {
                    j++;
                }
                scans.Add((start, j));
                i = j;
            }
            Assert.NotEmpty(scans);
            return scans;
        }

        private static List<int> Restarts(byte[] b)
        {
            (int start, int end) = Scans(b)[0];
            var at = new List<int>();
            for (int j = start; j < end - 1; j++)
            {
                if (b[j] == 0xFF && b[j + 1] >= 0xD0 && b[j + 1] <= 0xD7)
                {
                    at.Add(j);
                }
            }
            return at;
        }

        /// <summary>djpeg's warnings for <paramref name="jpeg"/> (empty when it reads the file cleanly).</summary>
        private string Djpeg(byte[] jpeg)
        {
            string input = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".jpg"), output = input + ".ppm";
            File.WriteAllBytes(input, jpeg);
            var psi = new ProcessStartInfo("djpeg") { RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { "-outfile", output, input })
            {
                psi.ArgumentList.Add(a);
            }
            using var p = Process.Start(psi)!;
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            File.Delete(input);
            File.Delete(output);
            // 0: clean; 2: warnings (EXIT_WARNING); anything else is a fatal error, not a case for these tests.
            Assert.True(p.ExitCode is 0 or 2, $"djpeg failed ({p.ExitCode}): {stderr}");
            Assert.Equal(p.ExitCode == 2, stderr.Trim().Length > 0);
            return stderr.Trim();
        }
    }
}
