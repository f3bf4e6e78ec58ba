namespace VisionPS.Core.Documents
{
    /// <summary>
    /// What the OpenAI API takes of PDF input. OpenAI, "File inputs" guide, "Usage considerations" / "File size
    /// limitations" (https://developers.openai.com/api/docs/guides/pdf-files, read 2026-12): up to 100 pages and 32 MB of
    /// total file content in a single request, across all its file inputs. Files uploaded to be used this way take
    /// purpose <c>user_data</c> (same guide, "Uploading files").
    /// </summary>
    public static class PdfLimits
    {
        /// <summary>Most pages, over all PDFs, in one request.</summary>
        public const int MaxPagesPerRequest = 100;

        /// <summary>
        /// Most bytes of file content, over all PDFs, in one request: 32 MB. The guide does not say whether it means
        /// 10^6 or 2^20 bytes; the smaller reading (32,000,000 bytes) is taken, so no PDF the service may refuse is sent.
        /// </summary>
        public const long MaxBytesPerRequest = 32L * 1000 * 1000;

        /// <summary>The MIME type sent in a <c>file_data</c> data URL.</summary>
        public const string MimeType = "application/pdf";

        /// <summary>The Files API purpose for files used as model input.</summary>
        public const string UploadPurpose = "user_data";

        /// <summary>
        /// The file name a PDF goes to the service under: its own, with ".pdf" added when it does not end so (a download
        /// saved as "GetDocument", a PDF named .png). VisionPS knows a PDF by its bytes; the service takes a file's type
        /// from its name too (the upload's Content-Type follows the name), and would not read such a file as a PDF.
        /// </summary>
        public static string SentFileName(string path)
        {
            string name = System.IO.Path.GetFileName(path);
            return name.EndsWith(".pdf", System.StringComparison.OrdinalIgnoreCase) ? name : name + ".pdf";
        }
    }
}
