using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using VisionPS.Core.Documents;
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

        /// <summary>
        /// A one-page scanned PDF whose page is a JPEG 2000 image (JPXDecode, as scanners and Acrobat's "optimize" write),
        /// drawn over the whole page. <paramref name="pageRotate"/> and <paramref name="treeRotate"/> are the /Rotate of the
        /// page and of the Pages tree above it (which the page inherits when it has none); null leaves it out.
        /// </summary>
        /// <summary>A one-page PDF whose page has this /MediaBox (its text; a nonsense size is what the caller wants).</summary>
        public static byte[] WithMediaBox(string mediaBox, string trailer = "", string? extraObject = null)
        {
            var objects = new List<byte[]>
            {
                Encoding.ASCII.GetBytes("<< /Type /Catalog /Pages 2 0 R >>"),
                Encoding.ASCII.GetBytes("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
                Encoding.ASCII.GetBytes($"<< /Type /Page /Parent 2 0 R /MediaBox {mediaBox} >>"),
            };
            if (extraObject is not null)
            {
                objects.Add(Encoding.ASCII.GetBytes(extraObject));
            }
            return FromObjects(objects, trailer);
        }

        public static byte[] ScanOfJpx(byte[] jpx, int width, int height, int? pageRotate, int? treeRotate)
        {
            static string Rotate(int? degrees) => degrees is int d ? $"/Rotate {d} " : "";
            var objects = new List<byte[]>
            {
                Encoding.ASCII.GetBytes("<< /Type /Catalog /Pages 2 0 R >>"),
                Encoding.ASCII.GetBytes($"<< /Type /Pages /Kids [3 0 R] /Count 1 {Rotate(treeRotate)}>>"),
                Encoding.ASCII.GetBytes($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] {Rotate(pageRotate)}/Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>"),
            };
            byte[] content = Encoding.ASCII.GetBytes($"q {width} 0 0 {height} 0 0 cm /Im0 Do Q");
            objects.Add([.. Encoding.ASCII.GetBytes($"<< /Length {content.Length} >>\nstream\n"), .. content, .. Encoding.ASCII.GetBytes("\nendstream")]);
            objects.Add([.. Encoding.ASCII.GetBytes($"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /Filter /JPXDecode /Length {jpx.Length} >>\nstream\n"), .. jpx, .. Encoding.ASCII.GetBytes("\nendstream")]);
            return FromObjects(objects);
        }

        /// <summary>
        /// A PDF of these objects (numbered from 1; the first is the catalog) with its cross-reference table;
        /// <paramref name="trailer"/> adds entries to the trailer dictionary.
        /// </summary>
        public static byte[] FromObjects(IList<byte[]> objects, string trailer = "")
        {
            using var pdf = new MemoryStream();
            void Write(string text) => pdf.Write(Encoding.ASCII.GetBytes(text));
            Write("%PDF-1.5\n");
            var offsets = new List<long>();
            for (int i = 0; i < objects.Count; i++)
            {
                offsets.Add(pdf.Position);
                Write($"{i + 1} 0 obj\n");
                pdf.Write(objects[i]);
                Write("\nendobj\n");
            }
            long xref = pdf.Position;
            Write($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
            foreach (long offset in offsets)
            {
                Write($"{offset:D10} 00000 n \n");
            }
            Write($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R {trailer}>>\nstartxref\n{xref}\n%%EOF\n");
            return pdf.ToArray();
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
            // qpdf leaves an empty owner password empty for AES-256 (R6, and R5 when forced): the empty string opens it as owner.
            "aes256-empty-owner" => Qpdf(pdf, "--encrypt", userPassword, "", "256", "--allow-insecure", "--"),
            "aes256-r5-empty-owner" => Qpdf(pdf, "--encrypt", userPassword, "", "256", "--allow-insecure", "--force-R5", "--"),
            _ => throw new ArgumentOutOfRangeException(nameof(cipher), cipher, "rc4-40, rc4-128, aes128 or aes256"),
        };

        /// <summary>
        /// A one-page PDF with no strings or streams (so nothing in it needs the key), carrying a standard security handler
        /// (revision 2, 3 or 4) whose /O is made from an EMPTY owner password and whose /U from <paramref name="userPassword"/>
        /// (ISO 32000-1, 7.6.3.3, Algorithms 3 and 4/5). qpdf cannot write this (it uses the user password as owner
        /// password when none is given), but other writers can: PdfPig then opens it with the empty password as the owner's.
        /// </summary>
        public static byte[] EncryptedWithEmptyOwner(string userPassword, int revision)
        {
            int keyBytes = revision == 2 ? 5 : 16;
            byte[] id = Convert.FromHexString("6A2F1C0B9D8E7F60514233241506F7E8");
            const int p = -3904;
            byte[] user = Pad(Encoding.ASCII.GetBytes(userPassword));
            using var md5 = System.Security.Cryptography.MD5.Create();
            // Algorithm 3: /O from the owner password (empty), encrypting the padded user password.
            byte[] ownerHash = md5.ComputeHash(Pad([]));
            for (int i = 0; revision >= 3 && i < 50; i++)
            {
                ownerHash = md5.ComputeHash(ownerHash[..keyBytes]);
            }
            byte[] ownerKey = ownerHash[..keyBytes];
            byte[] o = PdfUserPassword.Rc4(ownerKey, user);
            for (int i = 1; revision >= 3 && i <= 19; i++)
            {
                o = PdfUserPassword.Rc4(ownerKey.Select(b => (byte)(b ^ i)).ToArray(), o);
            }
            // Algorithm 2: the file key from the user password; Algorithm 4 (R2) or 5 (R3/R4): /U.
            byte[] key = md5.ComputeHash([.. user, .. o, .. BitConverter.GetBytes(p), .. id]);
            for (int i = 0; revision >= 3 && i < 50; i++)
            {
                key = md5.ComputeHash(key[..keyBytes]);
            }
            key = key[..keyBytes];
            byte[] u;
            if (revision == 2)
            {
                u = PdfUserPassword.Rc4(key, Pad([]));
            }
            else
            {
                u = PdfUserPassword.Rc4(key, md5.ComputeHash([.. Pad([]), .. id]));
                for (int i = 1; i <= 19; i++)
                {
                    u = PdfUserPassword.Rc4(key.Select(b => (byte)(b ^ i)).ToArray(), u);
                }
                u = [.. u, .. new byte[16]];
            }
            string handler = revision switch
            {
                2 => "/V 1 /R 2",
                3 => "/V 2 /R 3 /Length 128",
                _ => "/V 4 /R 4 /Length 128 /CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >> /StmF /StdCF /StrF /StdCF",
            };
            var objects = new List<string>
            {
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
                $"<< /Filter /Standard {handler} /O <{Convert.ToHexString(o)}> /U <{Convert.ToHexString(u)}> /P {p} >>",
            };
            var pdf = new StringBuilder("%PDF-1.6\n");
            var offsets = new List<int>();
            for (int i = 0; i < objects.Count; i++)
            {
                offsets.Add(pdf.Length);
                pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
            }
            int xref = pdf.Length;
            pdf.Append($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
            foreach (int offset in offsets)
            {
                pdf.Append($"{offset:D10} 00000 n \n");
            }
            string hexId = Convert.ToHexString(id);
            pdf.Append($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R /Encrypt 4 0 R /ID [<{hexId}> <{hexId}>] >>\nstartxref\n{xref}\n%%EOF\n");
            return Encoding.ASCII.GetBytes(pdf.ToString());
        }

        private static readonly byte[] s_padding = Convert.FromHexString("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A");

        private static byte[] Pad(byte[] password) => [.. password.Take(32), .. s_padding.Take(32 - Math.Min(32, password.Length))];

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
