using System;
using System.Collections.Generic;
using System.IO;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using VisionPS.Core.Documents;
using VisionPS.Core.Imaging;
using VisionPS.Core.Tests.Imaging;
using Xunit;
using VisionPS.TestServer;

namespace VisionPS.Core.Tests.Documents
{
    public class PdfDocumentCheckTests
    {
        [Fact]
        public void ATextPdfOpensWithItsPagesTextAndVersion()
        {
            PdfDocumentInfo info = PdfDocumentCheck.Check(SamplePdfs.Text(3), "invoice.pdf");
            Assert.Equal(3, info.Pages);
            Assert.Equal(0, info.ScannedPages);
            Assert.Equal(3 * "Invoice page 1 total 42.00".Length, info.TextCharacters);
            Assert.Matches(@"^1\.\d$", info.Version);
            Assert.Equal(595, info.PageWidthPoints, 0);
            Assert.Equal(842, info.PageHeightPoints, 0);
        }

        [Fact]
        public void TheCostEstimateIsPageImagesAtTheModelsRulesPlusTheText()
        {
            PdfDocumentInfo info = PdfDocumentCheck.Check(SamplePdfs.Text(2), "invoice.pdf");
            // A4 at 150 dpi: 1240x1754 px; gpt-4o high: 2048 box, short side 768 -> 768x1086: 2x3 tiles = 85 + 6 x 170.
            int perPage = 85 + (6 * 170);
            Assert.Equal((2 * perPage) + (int)((info.TextCharacters + 3) / 4), PdfDocumentCheck.EstimateTokens(info, "gpt-4o"));
        }

        /// <summary>
        /// Pages of different sizes (a receipt-sized first page before A3 drawings, a scanner's pages each as scanned) are
        /// costed each at its own size; every page was costed at the first page's.
        /// </summary>
        [Fact]
        public void EachPageIsCostedAtItsOwnSize()
        {
            var builder = new UglyToad.PdfPig.Writer.PdfDocumentBuilder();
            builder.AddPage(200, 300);
            builder.AddPage(842, 1191);
            PdfDocumentInfo info = PdfDocumentCheck.Check(builder.Build(), "mixed.pdf");
            int Page(double w, double h) => TokenEstimator.Estimate("gpt-4o", ImageDetail.High, (int)Math.Round(w * 150 / 72), (int)Math.Round(h * 150 / 72));
            Assert.NotEqual(Page(200, 300), Page(842, 1191));
            Assert.Equal(Page(200, 300) + Page(842, 1191), PdfDocumentCheck.EstimateTokens(info, "gpt-4o"));
        }

        [Fact]
        public void ScannedPagesAreCounted()
        {
            byte[] jpeg = File.ReadAllBytes(TestCorpus.File("jpg_storm_1920x1280.jpg"));
            PdfDocumentInfo info = PdfDocumentCheck.Check(SamplePdfs.ScanOfJpegs(jpeg, jpeg), "scan.pdf");
            Assert.Equal(2, info.Pages);
            Assert.Equal(2, info.ScannedPages);
            Assert.Equal(0, info.TextCharacters);
        }

        [Theory]
        [InlineData("rc4-40")]
        [InlineData("rc4-128")]
        [InlineData("aes128")]
        [InlineData("aes256")]
        public void APdfThatNeedsAPasswordIsRefusedByName(string cipher)
        {
            byte[] pdf = TestPdfs.Encrypted(SamplePdfs.Text(1), "user-secret", cipher);
            var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.Check(pdf, "locked.pdf"));
            Assert.Equal(PdfProblem.Encrypted, ex.Problem);
            Assert.Contains("'locked.pdf' is an encrypted PDF that needs a password to open", ex.Message, StringComparison.Ordinal);
        }

        /// <summary>
        /// Encrypted with an owner password only (permissions: no printing, no changes) and an empty user password: every
        /// reader opens it without asking, and so does the check; its text and pages are read through the encryption.
        /// </summary>
        [Theory]
        [InlineData("rc4-40")]
        [InlineData("rc4-128")]
        [InlineData("aes128")]
        [InlineData("aes256")]
        public void APdfWithPermissionsOnlyOpensLikeAnyOther(string cipher)
        {
            byte[] plain = SamplePdfs.Text(2);
            byte[] pdf = TestPdfs.Encrypted(plain, "", cipher);
            PdfDocumentInfo info = PdfDocumentCheck.Check(pdf, "restricted.pdf");
            PdfDocumentInfo expected = PdfDocumentCheck.Check(plain, "plain.pdf");
            Assert.Equal(2, info.Pages);
            Assert.Equal(expected.TextCharacters, info.TextCharacters);
            Assert.True(info.TextCharacters > 20);
        }

        /// <summary>
        /// A user password and an EMPTY owner password (AES-256, R6 or R5, as qpdf writes one): PdfPig opens it, the empty
        /// string matching as the owner's password, but Acrobat and pdf.js ask for the user password: it needs a password.
        /// </summary>
        [Theory]
        [InlineData("aes256-empty-owner")]
        [InlineData("aes256-r5-empty-owner")]
        public void APdfWithAUserPasswordAndAnEmptyOwnerPasswordIsRefused(string cipher)
        {
            byte[] pdf = TestPdfs.Encrypted(SamplePdfs.Text(1), "secret", cipher);
            using (UglyToad.PdfPig.PdfDocument opened = UglyToad.PdfPig.PdfDocument.Open(pdf))
            {
                Assert.True(opened.IsEncrypted); // the hole: PdfPig reads it unasked
            }
            var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.Check(pdf, "locked.pdf"));
            Assert.Equal(PdfProblem.Encrypted, ex.Problem);
            Assert.Contains("'locked.pdf' is an encrypted PDF that needs a password to open", ex.Message, StringComparison.Ordinal);
            Assert.Equal(2, PdfDocumentCheck.Check(TestPdfs.Encrypted(SamplePdfs.Text(2), "", cipher), "open.pdf").Pages);
        }

        /// <summary>
        /// The same for the older handlers (R2 RC4-40, R3 RC4-128, R4 AES-128), made by hand since qpdf will not leave an
        /// owner password empty: refused with a user password, read without one.
        /// </summary>
        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(4)]
        public void AnOlderHandlerWithAnEmptyOwnerPasswordNeedsTheUserPassword(int revision)
        {
            byte[] locked = TestPdfs.EncryptedWithEmptyOwner("secret", revision);
            using (UglyToad.PdfPig.PdfDocument opened = UglyToad.PdfPig.PdfDocument.Open(locked))
            {
                Assert.True(opened.IsEncrypted);
            }
            var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.Check(locked, "locked.pdf"));
            Assert.Equal(PdfProblem.Encrypted, ex.Problem);
            Assert.Contains("'locked.pdf' is an encrypted PDF that needs a password to open", ex.Message, StringComparison.Ordinal);
            Assert.Equal(1, PdfDocumentCheck.Check(TestPdfs.EncryptedWithEmptyOwner("", revision), "open.pdf").Pages);
        }

        [Theory]
        [InlineData("rc4-128")]
        [InlineData("aes256")]
        public void AScannedPdfWithPermissionsOnlyGivesItsPagesDecrypted(string cipher)
        {
            byte[] jpeg = File.ReadAllBytes(TestCorpus.File("jpg_storm_1920x1280.jpg"));
            byte[] pdf = TestPdfs.Encrypted(SamplePdfs.ScanOfJpegs(jpeg), "", cipher);
            PdfPageImage page = Assert.Single(PdfScanPages.Extract(pdf, "scan.pdf", new PrepareOptions { Model = "gpt-4o" }));
            Assert.Null(page.Error);
            Assert.NotNull(page.Image);
            Assert.Equal(1920.0 / 1280.0, (double)page.Image!.Width / page.Image.Height, 2);
        }

        [Fact]
        public void AScannedPdfThatNeedsAPasswordIsRefusedByName()
        {
            byte[] jpeg = File.ReadAllBytes(TestCorpus.File("jpg_storm_1920x1280.jpg"));
            byte[] pdf = TestPdfs.Encrypted(SamplePdfs.ScanOfJpegs(jpeg), "user-secret", "aes128");
            var ex = Assert.Throws<PdfCheckException>(() => PdfScanPages.Extract(pdf, "scan.pdf", new PrepareOptions()).ToList());
            Assert.Equal(PdfProblem.Encrypted, ex.Problem);
            Assert.Contains("'scan.pdf' is an encrypted PDF that needs a password to open", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void MoreThan100PagesIsRefusedBeforeAnythingIsSent()
        {
            Assert.Equal(100, PdfDocumentCheck.Check(SamplePdfs.Text(100), "hundred.pdf").Pages);
            var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.Check(SamplePdfs.Text(101), "book.pdf"));
            Assert.Equal(PdfProblem.TooManyPages, ex.Problem);
            Assert.Contains("'book.pdf' has 101 pages; one request takes at most 100", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AFileOver32MbIsRefusedWithoutBeingRead()
        {
            string path = Path.Combine(Path.GetTempPath(), $"visionps-big-{Guid.NewGuid():N}.pdf");
            try
            {
                using (var f = new FileStream(path, FileMode.CreateNew))
                {
                    f.Write(Encoding.ASCII.GetBytes("%PDF-1.7\n"));
                    f.SetLength(PdfLimits.MaxBytesPerRequest + 1); // sparse: nothing to read
                }
                var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.CheckFile(path));
                Assert.Equal(PdfProblem.TooLarge, ex.Problem);
                Assert.Contains(path, ex.Message, StringComparison.Ordinal);
                Assert.Contains("is 32,000,001 bytes; one request takes at most 32,000,000 bytes", ex.Message, StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Theory]
        [InlineData(32_040_000, "is 32.04 MB; one request takes at most 32 MB")]
        [InlineData(32_000_001, "is 32,000,001 bytes; one request takes at most 32,000,000 bytes")]
        public void ASizeJustOverTheLimitReadsAsMoreThanTheLimit(long size, string expected)
        {
            // "is 32 MB; one request takes at most 32 MB" gives no reason: the sizes show as many digits as tell them apart.
            string path = Path.Combine(Path.GetTempPath(), $"visionps-over-{Guid.NewGuid():N}.pdf");
            try
            {
                using (var f = new FileStream(path, FileMode.CreateNew))
                {
                    f.Write(Encoding.ASCII.GetBytes("%PDF-1.7\n"));
                    f.SetLength(size); // sparse: nothing to read
                }
                var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.CheckFile(path));
                Assert.Equal(PdfProblem.TooLarge, ex.Problem);
                Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void TheLimitIs32MegabytesNot32Mebibytes()
        {
            // OpenAI's guide says 32 MB and does not say MiB: the smaller reading (32,000,000 bytes) is the limit, so a
            // PDF the service may refuse is never sent. 32.5 MB is over it, though under 32 MiB (33,554,432 bytes).
            Assert.Equal(32_000_000, PdfLimits.MaxBytesPerRequest);
            string path = Path.Combine(Path.GetTempPath(), $"visionps-big-{Guid.NewGuid():N}.pdf");
            try
            {
                using (var f = new FileStream(path, FileMode.CreateNew))
                {
                    f.Write(Encoding.ASCII.GetBytes("%PDF-1.7\n"));
                    f.SetLength(32_500_000); // sparse: nothing to read
                }
                var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.CheckFile(path));
                Assert.Equal(PdfProblem.TooLarge, ex.Problem);
                Assert.Contains("is 32.5 MB; one request takes at most 32 MB", ex.Message, StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void PdfsOfOneRequestAreLimitedTogether()
        {
            PdfDocumentInfo sixty = PdfDocumentCheck.Check(SamplePdfs.Text(60), "a.pdf");
            PdfDocumentCheck.CheckRequest(new[] { sixty });
            var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.CheckRequest(new[] { sixty, PdfDocumentCheck.Check(SamplePdfs.Text(60), "b.pdf") }));
            Assert.Equal(PdfProblem.TooManyPages, ex.Problem);
            Assert.Contains("a.pdf, b.pdf have 120 pages together", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void NotAPdfAndDamagedPdfsAreTypedErrors()
        {
            var notPdf = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.Check(File.ReadAllBytes(TestCorpus.File("jpg_storm_1920x1280.jpg")), "photo.pdf"));
            Assert.Equal(PdfProblem.NotAPdf, notPdf.Problem);

            byte[] good = SamplePdfs.Text(2);
            byte[] truncated = good.Take(good.Length / 3).ToArray();
            var damaged = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.Check(truncated, "cut.pdf"));
            Assert.Equal(PdfProblem.Damaged, damaged.Problem);
            Assert.Contains("'cut.pdf'", damaged.Message, StringComparison.Ordinal);

            byte[] headerOnly = Encoding.ASCII.GetBytes("%PDF-1.4\n%garbage that is no PDF body\n");
            Assert.Equal(PdfProblem.Damaged, Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.Check(headerOnly, "empty.pdf")).Problem);
        }

        /// <summary>
        /// A PDF encrypted for certificate holders (public-key security: /Filter /Adobe.PubSec, which qpdf cannot make)
        /// was called damaged: it is encrypted, refused as password-encrypted ones are (Encrypted: id PdfEncrypted), saying
        /// only a recipient's certificate opens it.
        /// </summary>
        [Fact]
        public void APdfEncryptedForCertificateHoldersIsRefusedAsEncryptedNotDamaged()
        {
            const string Encrypt = "<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /R 4 /Length 128 " +
                "/CF << /DefaultCryptFilter << /CFM /AESV2 /AuthEvent /DocOpen /Recipients [<3082010a0201003181a7>] >> >> " +
                "/StmF /DefaultCryptFilter /StrF /DefaultCryptFilter >>";
            byte[] pdf = TestPdfs.WithMediaBox("[0 0 612 792]",
                "/Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] ", Encrypt);

            var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.Check(pdf, "sealed.pdf"));
            Assert.Equal(PdfProblem.Encrypted, ex.Problem);
            Assert.Contains("'sealed.pdf' is encrypted for certificate holders", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("damaged", ex.Message, StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>
        /// A page whose /MediaBox is nonsense ([0 0 1e30 1e30], 2147483647, or empty) read as a page of
        /// 2147483647 px and cost as such: it is counted at the PDF default (US Letter, 612 x 792 pt) as readers show it,
        /// the size and the estimate agree, and a warning names the page and what its MediaBox said.
        /// </summary>
        [Theory]
        [InlineData("[0 0 1e30 1e30]")]
        [InlineData("[0 0 2147483647 2147483647]")]
        [InlineData("[0 0 612 2147483647]")]
        [InlineData("[0 0 0 0]")]
        public void APageWithANonsenseMediaBoxIsCountedAtTheDefaultSizeWithAWarning(string mediaBox)
        {
            byte[] pdf = TestPdfs.WithMediaBox(mediaBox);
            PdfDocumentInfo info = PdfDocumentCheck.Check(pdf, "huge.pdf");
            Assert.Equal((612.0, 792.0), (info.PageWidthPoints, info.PageHeightPoints));
            Assert.Equal((612.0, 792.0), Assert.Single(info.PageSizesPoints));
            string warning = Assert.Single(info.Warnings);
            Assert.StartsWith("'huge.pdf' page 1 has an invalid page size (its MediaBox is ", warning, StringComparison.Ordinal);
            Assert.Contains("it is counted as 612 x 792 pt (US Letter, the PDF default)", warning, StringComparison.Ordinal);
            byte[] letter = TestPdfs.WithMediaBox("[0 0 612 792]");
            PdfDocumentInfo normal = PdfDocumentCheck.Check(letter, "letter.pdf");
            Assert.Empty(normal.Warnings);
            Assert.Equal(PdfDocumentCheck.EstimateTokens(normal, "gpt-4o"), PdfDocumentCheck.EstimateTokens(info, "gpt-4o"));
        }

        /// <summary>
        /// A large but valid page (qpdf --check passes [0 0 20000 1000]; pdf.js and MuPDF show it at full size) was called
        /// an invalid page size past 14,400 pt and counted as US Letter: it is kept, and costed, at its own size.
        /// </summary>
        [Theory]
        [InlineData("[0 0 20000 1000]", 20000.0, 1000.0)]
        [InlineData("[0 0 14401 14401]", 14401.0, 14401.0)]
        [InlineData("[0 0 612 900000]", 612.0, 900000.0)]
        public void ALargeValidPageKeepsItsOwnSize(string mediaBox, double width, double height)
        {
            PdfDocumentInfo info = PdfDocumentCheck.Check(TestPdfs.WithMediaBox(mediaBox), "large.pdf");
            Assert.Empty(info.Warnings);
            Assert.Equal((width, height), (info.PageWidthPoints, info.PageHeightPoints));
            Assert.Equal((width, height), Assert.Single(info.PageSizesPoints));
            // Its image is costed at its own size at 150 dpi (the text is the same as US Letter's page).
            PdfDocumentInfo letter = PdfDocumentCheck.Check(TestPdfs.WithMediaBox("[0 0 612 792]"), "letter.pdf");
            int own = TokenEstimator.Estimate("gpt-4.1-mini", ImageDetail.High, (int)Math.Round(width * 150 / 72), (int)Math.Round(height * 150 / 72));
            int letterPage = TokenEstimator.Estimate("gpt-4.1-mini", ImageDetail.High, 1275, 1650);
            Assert.NotEqual(letterPage, own);
            Assert.Equal(own - letterPage, PdfDocumentCheck.EstimateTokens(info, "gpt-4.1-mini") - PdfDocumentCheck.EstimateTokens(letter, "gpt-4.1-mini"));
        }

        /// <summary>
        /// A scan cut short (an interrupted download): PdfPig's lenient reading opens it and finds only the pages before the
        /// cut, so without a check it went out as a shorter PDF. Refused as damaged, saying it is truncated.
        /// </summary>
        [Theory]
        [InlineData(500)]
        [InlineData(900)]
        [InlineData(999)]
        public void APdfCutBeforeItsEndIsRefusedAsTruncated(int keptPerMille)
        {
            byte[] jpeg = File.ReadAllBytes(TestCorpus.File("jpg_storm_1920x1280.jpg"));
            byte[] whole = SamplePdfs.ScanOfJpegs(jpeg, jpeg);
            Assert.Equal(2, PdfDocumentCheck.Check(whole, "scan.pdf").Pages);
            byte[] cut = whole.Take((int)((long)whole.Length * keptPerMille / 1000)).ToArray();
            var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.Check(cut, "cut.pdf"));
            Assert.Equal(PdfProblem.Damaged, ex.Problem);
            Assert.Contains("'cut.pdf' is damaged", ex.Message, StringComparison.Ordinal);
            Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);

        }

        /// <summary>
        /// A PDF that holds a startxref and %%EOF before its real end, cut after one of them: a linearized ("Fast Web
        /// View") file has a first-page trailer near its start, and an incremental update (a filled form, a signature)
        /// follows the earlier revision's %%EOF. Cut there, PdfPig's lenient reading opened the part before the cut (one
        /// page of a hundred, or the revision before the update) and it went out as a whole PDF. Refused as truncated.
        /// </summary>
        [Theory]
        [InlineData("linearized", 300)]
        [InlineData("linearized", 600)]
        [InlineData("linearized", 900)]
        [InlineData("updated", 100)]
        [InlineData("updated", 500)]
        [InlineData("updated", 900)]
        public void APdfCutAfterAnEarlierEndIsRefusedAsTruncated(string kind, int keptPerMilleOfTheRest)
        {
            byte[] whole;
            int earlierEnd;
            if (kind == "linearized")
            {
                whole = TestPdfs.Linearized(SamplePdfs.Text(100));
                earlierEnd = whole.AsSpan().IndexOf(Encoding.ASCII.GetBytes("%%EOF")) + 5;
                Assert.True(earlierEnd < whole.Length / 10, "qpdf's first-page trailer ends near the start");
            }
            else
            {
                byte[] first = SamplePdfs.Text(3);
                whole = WithUpdate(first);
                earlierEnd = first.Length; // the update begins
            }
            Assert.Equal(kind == "linearized" ? 100 : 3, PdfDocumentCheck.Check(whole, "whole.pdf").Pages);
            byte[] cut = whole.Take(earlierEnd + (int)((long)(whole.Length - earlierEnd) * keptPerMilleOfTheRest / 1000)).ToArray();
            var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.Check(cut, "cut.pdf"));
            Assert.Equal(PdfProblem.Damaged, ex.Problem);
            Assert.Contains("'cut.pdf' is damaged", ex.Message, StringComparison.Ordinal);
            Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        }

        /// <summary>The PDF with an incremental update appended (ISO 32000-1, 7.5.6): a new document information dictionary.</summary>
        private static byte[] WithUpdate(byte[] pdf)
        {
            string text = Encoding.ASCII.GetString(pdf);
            string previous = Regex.Match(text, @"startxref\s+(\d+)\s*%%EOF\s*$").Groups[1].Value;
            string root = Regex.Match(text, @"/Root (\d+ \d+ R)").Groups[1].Value;
            int size = int.Parse(Regex.Match(text, @"/Size (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(previous.Length > 0 && root.Length > 0);
            var update = new StringBuilder("\n");
            int objectAt = pdf.Length + update.Length;
            update.Append($"{size} 0 obj\n<< /Producer (an incremental update, as a form filler or signer appends) >>\nendobj\n");
            int xref = pdf.Length + update.Length;
            update.Append($"xref\n0 1\n0000000000 65535 f \n{size} 1\n{objectAt:D10} 00000 n \n");
            update.Append($"trailer\n<< /Size {size + 1} /Root {root} /Info {size} 0 R /Prev {previous} >>\nstartxref\n{xref}\n%%EOF\n");
            return pdf.Concat(Encoding.ASCII.GetBytes(update.ToString())).ToArray();
        }

        /// <summary>
        /// Ends that readers accept (qpdf opens each with both pages): padding or other bytes after %%EOF (NULs from
        /// block storage, line ends, an HTML error page appended by a gateway), a %%EOF cut short or missing with its
        /// startxref still there. None is refused as truncated.
        /// </summary>
        [Theory]
        [InlineData("nul-40k")]
        [InlineData("crlf-1400")]
        [InlineData("html-1500")]
        [InlineData("eof-cut")]
        [InlineData("eof-missing")]
        public void APdfWhoseEndReadersAcceptIsNotRefused(string variant)
        {
            byte[] jpeg = File.ReadAllBytes(TestCorpus.File("jpg_storm_1920x1280.jpg"));
            byte[] whole = SamplePdfs.ScanOfJpegs(jpeg, jpeg);
            int eof = whole.AsSpan().LastIndexOf(System.Text.Encoding.ASCII.GetBytes("%%EOF"));
            Assert.True(eof > 0);
            byte[] changed = variant switch
            {
                "nul-40k" => whole.Concat(new byte[40000]).ToArray(),
                "crlf-1400" => whole.Concat(Enumerable.Repeat(new byte[] { 13, 10 }, 700).SelectMany(b => b)).ToArray(),
                "html-1500" => whole.Concat(System.Text.Encoding.ASCII.GetBytes("<html><body>" + new string('x', 1480) + "</body></html>")).ToArray(),
                "eof-cut" => whole.Take(eof + 2).ToArray(),
                "eof-missing" => whole.Take(eof).ToArray(),
                _ => throw new ArgumentException(variant),
            };
            Assert.Equal(2, PdfDocumentCheck.Check(changed, variant + ".pdf").Pages);
        }

        [Fact]
        public void RandomDamageNeverEscapesAsAnUntypedException()
        {
            byte[] good = SamplePdfs.Text(3);
            var random = new Random(17);
            for (int round = 0; round < 200; round++)
            {
                byte[] bad = (byte[])good.Clone();
                for (int i = 0; i < 20; i++)
                {
                    bad[9 + random.Next(bad.Length - 9)] = (byte)random.Next(256); // keep the %PDF-1.x header
                }
                try
                {
                    PdfDocumentCheck.Check(bad, "fuzz.pdf");
                }
                catch (PdfCheckException ex)
                {
                    Assert.Contains("fuzz.pdf", ex.Message, StringComparison.Ordinal);
                }
            }
        }

        /// <summary>
        /// Damage where PdfPig looks first (objects, cross-reference table, trailer) with bytes PDF syntax is made of: the
        /// message names the damage in words, never PdfPig's token dump (its .NET type names) nor the framework's own text
        /// for a parser bug (index out of range, null reference).
        /// </summary>
        [Fact]
        public void DamagedPdfMessagesHoldNoParserInternals()
        {
            byte[] jpeg = File.ReadAllBytes(TestCorpus.File("jpg_gray_cat_512.jpg"));
            byte[] syntax = Encoding.ASCII.GetBytes("0123456789 /<>[]()RobjendstreamxrefPDF\n");
            var random = new Random(3);
            var messages = new List<string>();
            foreach (byte[] good in new[] { SamplePdfs.Text(2), SamplePdfs.ScanOfJpegs(jpeg, jpeg) })
            {
                for (int round = 0; round < 150; round++)
                {
                    byte[] bad = (byte[])good.Clone();
                    for (int i = 0; i < 5; i++)
                    {
                        int at = random.Next(2) == 0 ? 9 + random.Next(Math.Min(2000, bad.Length) - 9) : bad.Length - 1 - random.Next(Math.Min(1500, bad.Length - 9));
                        bad[at] = syntax[random.Next(syntax.Length)];
                    }
                    try
                    {
                        PdfDocumentCheck.Check(bad, "fuzz.pdf");
                    }
                    catch (PdfCheckException ex)
                    {
                        messages.Add(ex.Message);
                    }
                }
            }
            Assert.NotEmpty(messages);
            Assert.All(messages, m => Assert.DoesNotMatch(@"UglyToad|Token\b|Index was outside|Object reference not set|Specified argument|Exception", m));
        }

        /// <summary>
        /// An object stream (how most PDF writers since 1.5 pack their objects) whose dictionary lost its object count or
        /// first offset: PdfPig's message dumps that dictionary with no colon before it; the message stops before the dump.
        /// </summary>
        [Theory]
        [InlineData("/N ", "number of objects")]
        [InlineData("/First ", "first object offset")]
        public void DamagedObjectStreamMessageHoldsNoDictionaryDump(string key, string named)
        {
            byte[] jpeg = File.ReadAllBytes(TestCorpus.File("jpg_gray_cat_512.jpg"));
            byte[] pdf = TestPdfs.WithObjectStreams(SamplePdfs.ScanOfJpegs(jpeg, jpeg));
            string text = Encoding.Latin1.GetString(pdf);
            int type = text.IndexOf("/ObjStm", StringComparison.Ordinal);
            Assert.True(type > 0, "qpdf wrote no object stream");
            int start = text.LastIndexOf("<<", type, StringComparison.Ordinal), end = text.IndexOf(">>", type, StringComparison.Ordinal);
            int at = text.IndexOf(key, start, end - start, StringComparison.Ordinal);
            Assert.True(at > 0, $"the object stream's dictionary has no {key}");
            pdf[at + 1] = (byte)'Q'; // /N -> /Q, /First -> /Qirst: the key is gone, the file's length and offsets unchanged

            var ex = Assert.Throws<PdfCheckException>(() => PdfDocumentCheck.Check(pdf, "packed.pdf"));
            Assert.Equal(PdfProblem.Damaged, ex.Problem);
            Assert.Contains(named, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"<\w+, |/ObjStm|FlateDecode|UglyToad", ex.Message);
        }

        [Fact]
        public void ScannedPagesBecomePreparedImagesOnePerPage()
        {
            byte[] jpeg = File.ReadAllBytes(TestCorpus.File("jpg_storm_1920x1280.jpg"));
            byte[] png = File.ReadAllBytes(TestCorpus.File("png_wizard_1104x1468_rgba.png"));
            var options = new PrepareOptions { Model = "gpt-4o" };
            var pages = PdfScanPages.Extract(SamplePdfs.ScanOfJpegs(jpeg, jpeg), "scan.pdf", options).ToList();
            Assert.Equal(new[] { 1, 2 }, pages.Select(p => p.Page));
            Assert.All(pages, p => Assert.Null(p.Error));
            Assert.Equal("scan.pdf#page=2", pages[1].Source);
            // The embedded JPEG is the photo itself: 1920x1280, sized for gpt-4o (1152x768).
            Assert.Equal((1152, 768), (pages[0].Image!.Width, pages[0].Image!.Height));

            PdfPageImage fromPng = Assert.Single(PdfScanPages.Extract(TestPdfs.ScanOfPng(png), "png-scan.pdf", new PrepareOptions()));
            Assert.Null(fromPng.Error);
            Assert.Equal((1104, 1468), (fromPng.Image!.SourceWidth, fromPng.Image!.SourceHeight));
        }

        [Fact]
        public void ATextPageIsNotTurnedIntoAnImage()
        {
            PdfPageImage page = Assert.Single(PdfScanPages.Extract(SamplePdfs.Text(1), "letter.pdf", new PrepareOptions()));
            Assert.Null(page.Image);
            var ex = Assert.IsType<PdfCheckException>(page.Error);
            Assert.Equal(PdfProblem.NotAScan, ex.Problem);
            Assert.Contains("Page 1 of 'letter.pdf' is not a scan", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AnUnturnedPageIgnoresItsJpegsOwnExifOrientationAsReadersDo()
        {
            // A PDF reader draws the JPEG's pixels as stored (no /Rotate here) and ignores the EXIF orientation 6 inside.
            byte[] jpeg = PdfPageOrientation.Jpeg(File.ReadAllBytes(TestCorpus.File("jpg_storm_1920x1280.jpg")), 6);
            Assert.Equal(6, ExifOrientation.FromJpeg(jpeg));
            PdfPageImage page = Assert.Single(PdfScanPages.Extract(SamplePdfs.ScanOfJpegs(jpeg), "scan.pdf", new PrepareOptions { Model = "gpt-4o" }));
            Assert.Null(page.Error);
            Assert.Equal((1152, 768), (page.Image!.Width, page.Image!.Height));
        }
    }
}
