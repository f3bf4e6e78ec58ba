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

        /// <summary>Most bytes of file content, over all PDFs, in one request (32 MB, taken as 32 MiB).</summary>
        public const long MaxBytesPerRequest = 32L * 1024 * 1024;

        /// <summary>The MIME type sent in a <c>file_data</c> data URL.</summary>
        public const string MimeType = "application/pdf";

        /// <summary>The Files API purpose for files used as model input.</summary>
        public const string UploadPurpose = "user_data";
    }
}
