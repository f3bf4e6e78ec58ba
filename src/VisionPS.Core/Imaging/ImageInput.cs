using System;
using System.IO;

namespace VisionPS.Core.Imaging
{
    /// <summary>Reads an image's bytes from a file or stream within the file budget.</summary>
    internal static class ImageInput
    {
        public static byte[] ReadFile(string path, ImageBudget budget)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long length = stream.Length;
            if (length > budget.MaxFileBytes)
            {
                var head = new byte[64];
                int n = stream.Read(head, 0, head.Length);
                throw ImageProcessingException.TooLarge(path, FormatSniffer.Sniff(head.AsSpan(0, n)),
                    $"the file has {length} bytes, more than the {budget.MaxFileBytes}-byte file budget");
            }
            var bytes = new byte[length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = stream.Read(bytes, read, bytes.Length - read);
                if (n <= 0)
                {
                    Array.Resize(ref bytes, read);
                    break;
                }
                read += n;
            }
            return bytes;
        }

        public static byte[] ReadAll(Stream stream, string name, long limit)
        {
            var ms = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (ms.Length + n > limit)
                {
                    throw ImageProcessingException.TooLarge(name, FormatSniffer.Sniff(ms.ToArray()),
                        $"the stream has more than the {limit}-byte file budget");
                }
                ms.Write(buffer, 0, n);
            }
            return ms.ToArray();
        }
    }
}
