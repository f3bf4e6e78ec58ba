using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace VisionPS.TestServer
{
    /// <summary>PDFs made at run time (PdfPig writes them) for the transport and PowerShell tests.</summary>
    public static class SamplePdfs
    {
        /// <summary>A text PDF of <paramref name="pages"/> A4 pages, each saying "Invoice page N total 42.00".</summary>
        public static byte[] Text(int pages)
        {
            var builder = new PdfDocumentBuilder();
            PdfDocumentBuilder.AddedFont font = builder.AddStandard14Font(Standard14Font.Helvetica);
            for (int i = 1; i <= pages; i++)
            {
                PdfPageBuilder page = builder.AddPage(PageSize.A4);
                page.AddText($"Invoice page {i} total 42.00", 12, new PdfPoint(50, 700), font);
            }
            return builder.Build();
        }

        /// <summary>A scanned PDF: one A4 page per JPEG, each page only that image.</summary>
        public static byte[] ScanOfJpegs(params byte[][] jpegs)
        {
            var builder = new PdfDocumentBuilder();
            foreach (byte[] jpeg in jpegs)
            {
                builder.AddPage(PageSize.A4).AddJpeg(jpeg, new PdfRectangle(0, 0, 595, 842));
            }
            return builder.Build();
        }
    }
}
