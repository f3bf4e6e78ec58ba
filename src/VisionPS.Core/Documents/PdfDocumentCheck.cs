using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Exceptions;
using VisionPS.Core.Imaging;

namespace VisionPS.Core.Documents
{
    /// <summary>
    /// Checks a PDF locally before anything is sent (PdfPig): it is a PDF, it opens without a password, and it is within
    /// what one request may carry (<see cref="PdfLimits"/>). Failures are <see cref="PdfCheckException"/>s naming the file.
    /// </summary>
    public static class PdfDocumentCheck
    {
        private static readonly byte[] s_magic = Encoding.ASCII.GetBytes("%PDF-");
        private static readonly byte[] s_eof = Encoding.ASCII.GetBytes("%%EOF");
        private static readonly byte[] s_startxref = Encoding.ASCII.GetBytes("startxref");

        /// <summary>Whether the bytes start like a PDF: <c>%PDF-</c> within the first 1024 bytes (ISO 32000-1, 7.5.2 and its implementation note).</summary>
        public static bool LooksLikePdf(ReadOnlySpan<byte> head) => MagicOffset(head) >= 0;

        /// <summary>Whether the file starts like a PDF (reads at most 1 KB).</summary>
        public static bool IsPdfFile(string path)
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
                byte[] head = new byte[1024];
                return LooksLikePdf(head.AsSpan(0, LocalFiles.ReadHead(stream, head)));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>Reads and checks a PDF file; a file over the request limit is refused before it is read.</summary>
        public static (byte[] Bytes, PdfDocumentInfo Info) CheckFile(string path)
        {
            long length = new FileInfo(path).Length;
            if (length > PdfLimits.MaxBytesPerRequest)
            {
                throw TooLarge(path, length);
            }
            byte[] bytes = File.ReadAllBytes(path);
            return (bytes, Check(bytes, path));
        }

        /// <summary>Checks a PDF's bytes; <paramref name="name"/> is used in messages.</summary>
        public static PdfDocumentInfo Check(byte[] data, string name)
        {
            if (data is null)
            {
                throw new ArgumentNullException(nameof(data));
            }
            if (data.LongLength > PdfLimits.MaxBytesPerRequest)
            {
                throw TooLarge(name, data.LongLength);
            }
            int magic = MagicOffset(data);
            if (magic < 0)
            {
                throw new PdfCheckException(name, PdfProblem.NotAPdf, $"'{name}' is not a PDF: it does not start with %PDF-.");
            }
            string version = Encoding.ASCII.GetString(data, magic + 5, Math.Min(3, data.Length - magic - 5));
            if (TruncatedEnd(data) is string cut)
            {
                throw new PdfCheckException(name, PdfProblem.Damaged,
                    $"'{name}' is damaged: {cut} (it is truncated). Copy or download it again, then send that copy.");
            }
            try
            {
                // An encrypted PDF whose user password is empty (an owner password sets permissions: no printing, no
                // changes) opens in every reader without asking (ISO 32000-1, 7.6.3.1), and PdfPig reads it through the
                // encryption with the empty password: it is read like any other. One that needs a user password throws,
                // except when its OWNER password is the empty one, which PdfPig accepts too: the user password is checked.
                using PdfDocument document = PdfDocument.Open(data, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
                if (!PdfUserPassword.IsEmpty(document))
                {
                    throw Encrypted(name, data, null);
                }
                int pages = document.NumberOfPages;
                if (pages <= 0)
                {
                    throw new PdfCheckException(name, PdfProblem.Damaged, $"'{name}' is damaged: it has no pages.");
                }
                if (pages > PdfLimits.MaxPagesPerRequest)
                {
                    throw TooManyPages(name, pages);
                }
                int scanned = 0;
                long letters = 0;
                double width = 0, height = 0;
                var sizes = new List<(double Width, double Height)>(pages);
                var warnings = new List<string>();
                for (int i = 1; i <= pages; i++)
                {
                    Page page = document.GetPage(i);
                    (double w, double h) = (page.Width, page.Height);
                    if (!PlausiblePageSize(w) || !PlausiblePageSize(h))
                    {
                        // A nonsense MediaBox ([0 0 1e30 1e30], 2147483647, empty) read as a page of 2147483647 px and
                        // was costed so: readers show such a page at the default size, and it is counted at that.
                        warnings.Add($"'{name}' page {i} has an invalid page size (its MediaBox is {Points(w)} x {Points(h)} pt); " +
                            $"it is counted as {DefaultPageWidth} x {DefaultPageHeight} pt (US Letter, the PDF default), as PDF readers show such a page.");
                        (w, h) = (DefaultPageWidth, DefaultPageHeight);
                    }
                    if (i == 1)
                    {
                        (width, height) = (w, h);
                    }
                    sizes.Add((w, h));
                    letters += page.Letters.Count;
                    if (page.Letters.Count == 0 && page.NumberOfImages == 1)
                    {
                        scanned++;
                    }
                }
                return new PdfDocumentInfo(name, data.LongLength, pages, version, scanned, letters, width, height) { PageSizesPoints = sizes, Warnings = warnings };
            }
            catch (PdfCheckException)
            {
                throw;
            }
            catch (PdfDocumentEncryptedException ex)
            {
                throw Encrypted(name, data, ex);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException || ex is OperationCanceledException))
            {
                if (CertificateEncrypted(data))
                {
                    // PdfPig cannot start on a public-key security handler ("damaged" was wrong): it is encrypted.
                    throw Encrypted(name, certificate: true, ex);
                }
                // PdfPig reports a broken file with many exception types (format, index, null reference...): all mean damaged.
                throw new PdfCheckException(name, PdfProblem.Damaged, $"'{name}' is a damaged PDF that cannot be read ({ParserProblem(ex)}). Open it in a PDF reader and save or print it as a new PDF (or repair it: qpdf damaged.pdf repaired.pdf), then send that copy.", ex);
            }
        }

        /// <summary>
        /// What of PdfPig's failure a user can read. Its messages go on to dump parser tokens ("...dictionary: &lt;Size, 9&gt;,
        /// &lt;ID, [ UglyToad.PdfPig.Tokens.HexToken ...") or name its token types ("...with type DictionaryToken"): cut there.
        /// A parser bug that broken input triggers speaks the framework's words (index out of range, null reference, invalid
        /// cast, missing key), which say nothing about the file: plain words instead.
        /// </summary>
        public static string ParserProblem(Exception ex)
        {
            if (ex is null)
            {
                throw new ArgumentNullException(nameof(ex));
            }
            const string Inconsistent = "its objects do not fit together";
            if (ex is NullReferenceException or IndexOutOfRangeException or ArgumentOutOfRangeException or InvalidCastException
                or KeyNotFoundException or OverflowException)
            {
                return Inconsistent;
            }
            string message = ex.Message;
            // A dictionary dump starts with its first entry, "<Key, ...", after a colon or not ("...number of objects <Type, /ObjStm>, ...").
            Match entry = DictionaryDump.Match(message);
            if (entry.Success && entry.Index > 0)
            {
                message = message.Substring(0, entry.Index);
            }
            foreach (string dump in new[] { ": [", " with type " })
            {
                int at = message.IndexOf(dump, StringComparison.Ordinal);
                if (at > 0)
                {
                    message = message.Substring(0, at);
                }
            }
            message = FirstSentence(message);
            return message.Length == 0 || message.IndexOf("UglyToad", StringComparison.Ordinal) >= 0 ? Inconsistent : message;
        }

        private static readonly Regex DictionaryDump = new Regex(@":?\s*<[^<>,\s]*, ", RegexOptions.CultureInvariant);

        private static string FirstSentence(string message)
        {
            int end = message.IndexOf(". ", StringComparison.Ordinal);
            string first = (end > 0 ? message.Substring(0, end) : message).Trim().TrimEnd('.');
            return first.Length > 200 ? first.Substring(0, 200) + "..." : first;
        }

        /// <summary>Checks that the PDFs of one request stay within its page and byte limits together.</summary>
        public static void CheckRequest(IReadOnlyCollection<PdfDocumentInfo> documents)
        {
            if (documents is null || documents.Count < 2)
            {
                return; // one PDF was checked on its own
            }
            int pages = documents.Sum(d => d.Pages);
            long bytes = documents.Sum(d => d.Bytes);
            string names = string.Join(", ", documents.Select(d => Path.GetFileName(d.Name)));
            if (pages > PdfLimits.MaxPagesPerRequest)
            {
                throw new PdfCheckException(names, PdfProblem.TooManyPages,
                    $"The PDFs {names} have {pages} pages together; one request takes at most {PdfLimits.MaxPagesPerRequest}. Send them one per request with -PerImage.");
            }
            if (bytes > PdfLimits.MaxBytesPerRequest)
            {
                throw new PdfCheckException(names, PdfProblem.TooLarge,
                    $"The PDFs {names} are {Sizes(bytes)} together; one request takes at most {Sizes(PdfLimits.MaxBytesPerRequest, bytes)} of file content. Send them one per request with -PerImage.");
            }
        }

        /// <summary>
        /// An estimate of the input tokens a PDF costs: the service puts each page's text and an image of each page into the
        /// context (OpenAI "File inputs" guide, "How it works"). Text: about 4 characters per token. Page image: the model's
        /// high-detail cost of each page at its own size at 150 dpi (the guide does not say at what size pages are rendered: an assumption).
        /// </summary>
        public static int EstimateTokens(PdfDocumentInfo info, string? model)
        {
            if (info is null)
            {
                throw new ArgumentNullException(nameof(info));
            }
            long PageCost(double widthPoints, double heightPoints) => TokenEstimator.Estimate(model, ImageDetail.High,
                Math.Max(1, (int)Math.Min(int.MaxValue, Math.Round(widthPoints * 150 / 72))),
                Math.Max(1, (int)Math.Min(int.MaxValue, Math.Round(heightPoints * 150 / 72))));
            // Each page at its own size (pages need not share one); the first page's for all when the sizes are not known.
            long pages = info.PageSizesPoints.Count == info.Pages
                ? info.PageSizesPoints.Sum(p => PageCost(p.Width, p.Height))
                : PageCost(info.PageWidthPoints, info.PageHeightPoints) * info.Pages;
            long total = pages + ((info.TextCharacters + 3) / 4);
            return (int)Math.Min(int.MaxValue, total);
        }

        /// <summary>
        /// How the file's end shows it was cut short (an interrupted download or copy), or null. PdfPig's lenient reading
        /// opens such a file and finds only what comes before the cut, so it would go out as a shorter PDF.
        /// <list type="bullet">
        /// <item>The last 64 KiB, padding aside, hold neither "startxref" nor "%%EOF" (ISO 32000-1, 7.5.5).</item>
        /// <item>PDF objects or a cross-reference section follow the last of them: the file goes on past an earlier end
        /// and stops part way. A linearized ("Fast Web View") file has a first-page trailer with its own startxref and
        /// %%EOF near its start (Annex F), and an incremental update (a filled form, a signature) follows the earlier
        /// revision's %%EOF (7.5.6): cut after those, the rest opened as a PDF of one page, or of the old revision.</item>
        /// </list>
        /// Readers (qpdf, PdfPig, Acrobat, pdf.js) accept a file whose %%EOF is missing or cut while its startxref
        /// remains, and one followed by padding or other bytes (NULs, line ends, an HTML page), so those are not refused.
        /// </summary>
        private static string? TruncatedEnd(ReadOnlySpan<byte> data)
        {
            int end = data.Length;
            while (end > 0 && data[end - 1] is 0 or (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t' or (byte)'\f')
            {
                end--;
            }
            int start = Math.Max(0, end - 65536);
            ReadOnlySpan<byte> tail = data.Slice(start, end - start);
            int eof = tail.LastIndexOf(s_eof), startxref = tail.LastIndexOf(s_startxref);
            if (eof < 0 && startxref < 0)
            {
                return "its end holds neither the startxref nor the %%EOF that close every PDF";
            }
            int after = Math.Max(eof < 0 ? -1 : eof + s_eof.Length, startxref < 0 ? -1 : startxref + s_startxref.Length);
            string rest = Encoding.ASCII.GetString(tail.Slice(after).ToArray());
            return ObjectsAfterEnd.IsMatch(rest)
                ? "PDF objects follow its last %%EOF and stop part way, with no end of their own"
                : null;
        }

        /// <summary>An indirect object's header ("12 0 obj") or a cross-reference section ("xref" on its own line).</summary>
        private static readonly Regex ObjectsAfterEnd = new Regex(
            @"(?<![0-9])[0-9]{1,10}[\0\t\n\f\r ]+[0-9]{1,5}[\0\t\n\f\r ]+obj(?![A-Za-z])|(?:^|[\r\n])xref[\t ]*[\r\n]",
            RegexOptions.CultureInvariant);

        private static int MagicOffset(ReadOnlySpan<byte> data)
        {
            int limit = Math.Min(data.Length, 1024);
            int at = data.Slice(0, limit).IndexOf(s_magic);
            return at;
        }

        /// <summary>
        /// The PDF default page size, US Letter: readers show a page whose MediaBox (required, ISO 32000-1 7.7.3.3) is
        /// missing or invalid at this size.
        /// </summary>
        private const double DefaultPageWidth = 612, DefaultPageHeight = 792;

        /// <summary>
        /// A page side that is a size at all: a finite number of units from 1 to 1,000,000 (353 m). Acrobat stops at
        /// 14,400 units (ISO 32000-1, Annex C), but that is its limit, not the format's: qpdf --check passes a larger page
        /// and pdf.js and MuPDF show it at full size, so it is kept (and costed) as it is. Past a million units a side is
        /// no page (1e30, 2147483647), and at 150 dpi it would be past the pixel sizes an int holds.
        /// </summary>
        private static bool PlausiblePageSize(double side) => !double.IsNaN(side) && !double.IsInfinity(side) && side >= 1 && side <= MaxPageSide;

        /// <summary>The largest page side counted as a size, in units (points).</summary>
        private const double MaxPageSide = 1_000_000;

        private static string Points(double side) => side.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>
        /// Whether the file's encryption dictionary names the public-key (certificate) security handler, /Adobe.PubSec
        /// (ISO 32000-1, 7.6.4): a file only the holder of a recipient certificate's private key opens.
        /// </summary>
        private static bool CertificateEncrypted(byte[] data)
        {
            string text = Encoding.ASCII.GetString(data);
            return s_encryptEntry.IsMatch(text) && s_pubSecFilter.IsMatch(text);
        }

        private static readonly Regex s_encryptEntry = new Regex(@"/Encrypt[\s\0]*[0-9<]", RegexOptions.CultureInvariant);
        private static readonly Regex s_pubSecFilter = new Regex(@"/Filter[\s\0]*/Adobe\.PubSec(?![A-Za-z0-9.])", RegexOptions.CultureInvariant);

        private static PdfCheckException Encrypted(string name, byte[] data, Exception? inner) => Encrypted(name, CertificateEncrypted(data), inner);

        /// <summary>The file is encrypted, for certificate holders (<paramref name="certificate"/>: /Adobe.PubSec) or by a password.</summary>
        private static PdfCheckException Encrypted(string name, bool certificate, Exception? inner) => certificate
            ? new(name, PdfProblem.Encrypted, $"'{name}' is encrypted for certificate holders (public-key security, /Adobe.PubSec): only someone with a recipient certificate's private key can open it, so neither VisionPS nor the service can read it. Ask a recipient to save a copy without security (in Acrobat: File > Properties > Security > No Security) and send that.", inner)
            : Encrypted(name, inner);

        private static PdfCheckException Encrypted(string name, Exception? inner) =>
            new(name, PdfProblem.Encrypted, $"'{name}' is an encrypted PDF that needs a password to open: neither VisionPS nor the service can read it. Save an unprotected copy (for example qpdf --password=PASSWORD --decrypt locked.pdf open.pdf) and send that.", inner);

        private static PdfCheckException TooManyPages(string name, int pages) =>
            new(name, PdfProblem.TooManyPages, $"'{name}' has {pages} pages; one request takes at most {PdfLimits.MaxPagesPerRequest} pages of PDF. Split it (for example qpdf --split-pages=100) and send the parts one per request.");

        private static PdfCheckException TooLarge(string name, long bytes) =>
            new(name, PdfProblem.TooLarge, $"'{name}' is {Sizes(bytes)}; one request takes at most {Sizes(PdfLimits.MaxBytesPerRequest, bytes)} of PDF content. Compress or split it first.");

        // A size over the limit as it is compared with it (MessageText.Megabytes): Sizes(size) and Sizes(limit, size) use the same unit.
        private static string Sizes(long bytes, long? other = null) => MessageText.Megabytes(bytes, PdfLimits.MaxBytesPerRequest, other);
    }
}
