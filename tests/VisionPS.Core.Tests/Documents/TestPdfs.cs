using System;
using System.IO;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using VisionPS.Core.Tests.Imaging;

namespace VisionPS.Core.Tests.Documents
{
    /// <summary>PDFs only the core tests need (text and JPEG scans: SamplePdfs, shared with the endpoint tests); qpdf encrypts them.</summary>
    internal static class TestPdfs
    {
        /// <summary>A scanned PDF whose page is a PNG (stored Flate-compressed, not as a JPEG).</summary>
        public static byte[] ScanOfPng(byte[] png)
        {
            var builder = new PdfDocumentBuilder();
            PdfPageBuilder page = builder.AddPage(PageSize.A4);
            page.AddPng(png, new PdfRectangle(0, 0, 595, 842));
            return builder.Build();
        }

        /// <summary>The PDF encrypted by qpdf (AES-256) with a user password, or with none (permissions only).</summary>
        public static byte[] Encrypted(byte[] pdf, string userPassword) => Encrypted(pdf, userPassword, "aes256");

        /// <summary>
        /// The PDF encrypted by qpdf with <paramref name="cipher"/>: rc4-40, rc4-128 (both weak, qpdf needs to be told),
        /// aes128 or aes256; an empty <paramref name="userPassword"/> sets permissions only (readers open it unasked).
        /// </summary>
        public static byte[] Encrypted(byte[] pdf, string userPassword, string cipher) => cipher switch
        {
            "rc4-40" => Qpdf(pdf, "--allow-weak-crypto", "--encrypt", userPassword, "owner-secret", "40", "--print=n", "--"),
            "rc4-128" => Qpdf(pdf, "--allow-weak-crypto", "--encrypt", userPassword, "owner-secret", "128", "--use-aes=n", "--print=none", "--"),
            "aes128" => Qpdf(pdf, "--encrypt", userPassword, "owner-secret", "128", "--use-aes=y", "--print=none", "--"),
            "aes256" => Qpdf(pdf, "--encrypt", userPassword, "owner-secret", "256", "--print=none", "--modify=none", "--"),
            _ => throw new ArgumentOutOfRangeException(nameof(cipher), cipher, "rc4-40, rc4-128, aes128 or aes256"),
        };

        /// <summary>The PDF rewritten by qpdf with its objects packed into object streams (PDF 1.5), as many writers save.</summary>
        public static byte[] WithObjectStreams(byte[] pdf) => Qpdf(pdf, "--object-streams=generate");

        /// <summary>The PDF linearized by qpdf ("Fast Web View"): a first-page cross-reference section, trailer and %%EOF near its start.</summary>
        public static byte[] Linearized(byte[] pdf) => Qpdf(pdf, "--linearize");

        private static byte[] Qpdf(byte[] pdf, params string[] options)
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-pdf-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string input = Path.Combine(dir, "in.pdf"), output = Path.Combine(dir, "out.pdf");
                File.WriteAllBytes(input, pdf);
                TestCorpus.Run("qpdf", [.. options, input, output]);
                return File.ReadAllBytes(output);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
