using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>PDFs as users hand them to the cmdlets: checked locally, costed, turned into images when scanned.</summary>
    public sealed class PdfTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("visionps-pdf-").FullName;

        public void Dispose() => Directory.Delete(_dir, true);

        private string Write(string name, byte[] bytes)
        {
            string path = Path.Combine(_dir, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        private string Encrypt(string name, string source)
        {
            string path = Path.Combine(_dir, name);
            using var qpdf = Process.Start(new ProcessStartInfo("qpdf", new[] { "--encrypt", "user-pw", "owner-pw", "256", "--", source, path }) { RedirectStandardError = true })!;
            qpdf.WaitForExit();
            Assert.Equal(0, qpdf.ExitCode);
            return path;
        }

        [Fact]
        public void GetVisionImageInfoShowsPagesAndACostForAPdfAndTypedErrorsForBadOnes()
        {
            string invoice = Write("invoice.pdf", SamplePdfs.Text(3));
            string book = Write("book.pdf", SamplePdfs.Text(101));
            string locked = Encrypt("locked.pdf", invoice);
            string cut = Write("cut.pdf", File.ReadAllBytes(invoice).Take(300).ToArray());
            using var ps = new PowerShellSession();

            var infos = ps.Run("Get-VisionImageInfo -LiteralPath $args -Model gpt-4o", invoice, book, locked, cut, Paths.CorpusFile("gif_static_smile_48.gif"));

            Assert.Equal(new[] { "Pdf", "Gif" }, infos.Select(i => (string)i.Properties["Format"].Value));
            PSObject pdf = infos[0];
            Assert.Equal(3, pdf.Properties["Pages"].Value);
            Assert.Equal(0, pdf.Properties["ScannedPages"].Value);
            // gpt-4o: each A4 page at 150 dpi is 85 + 6 x 170 tokens, plus the text at ~4 characters a token.
            Assert.Equal((3 * (85 + (6 * 170))) + ((3 * 26) + 3) / 4, pdf.Properties["EstimatedTokens"].Value);
            Assert.Null(infos[1].Properties["Pages"].Value);
            Assert.Equal(new[] { "PdfTooManyPages", "PdfEncrypted", "PdfDamaged" }, ps.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.Equal(new object[] { book, locked, cut }, ps.Errors.Select(e => e.TargetObject));
            Assert.Contains("book.pdf' has 101 pages", ps.Errors[0].ToString(), StringComparison.Ordinal);
            Assert.Contains("locked.pdf' is an encrypted PDF", ps.Errors[1].ToString(), StringComparison.Ordinal);
        }
        [Fact]
        public void ConvertToVisionImageGivesOnePreparedImagePerScannedPageInInputOrder()
        {
            byte[] jpeg = File.ReadAllBytes(Paths.CorpusFile("jpg_storm_1920x1280.jpg"));
            string scan = Write("scan.pdf", SamplePdfs.ScanOfJpegs(jpeg, jpeg));
            string letter = Write("letter.pdf", SamplePdfs.Text(1));
            using var ps = new PowerShellSession();

            var images = ps.Run("ConvertTo-VisionImage -LiteralPath $args -Model gpt-4o",
                Paths.CorpusFile("gif_static_smile_48.gif"), scan, letter, Paths.CorpusFile("png_wizard_1104x1468_rgba.png"));

            Assert.Equal(new[] { "gif_static_smile_48.gif", "scan.pdf#page=1", "scan.pdf#page=2", "png_wizard_1104x1468_rgba.png" },
                images.Select(i => Path.GetFileName((string)i.Properties["Source"].Value)));
            Assert.Equal(1920, images[1].Properties["SourceWidth"].Value);
            Assert.Equal(1152, images[1].Properties["Width"].Value); // sized for gpt-4o: 1152x768
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Equal("PdfPageNotAScan,VisionPS.Commands.ConvertToVisionImageCommand", error.FullyQualifiedErrorId);
            Assert.Equal(letter + "#page=1", error.TargetObject);
        }
    }
}
