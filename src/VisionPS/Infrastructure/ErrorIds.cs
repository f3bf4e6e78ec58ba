using System;
using System.Linq;
using System.Management.Automation;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// The stable error ids VisionPS writes (the first part of <c>FullyQualifiedErrorId</c>). Scripts match on
    /// these; never rename one.
    /// </summary>
    internal static class ErrorIds
    {
        public const string ImageNotFound = "ImageNotFound";
        public const string ImageDecodeFailed = "ImageDecodeFailed";
        public const string UnsupportedImageFormat = "UnsupportedImageFormat";
        public const string ImageTooLarge = "ImageTooLarge";
        public const string ImageDamaged = "ImageDamaged";
        public const string ChatRequestFailed = "ChatRequestFailed";
        public const string RequestTooLarge = "RequestTooLarge";
        public const string OriginalNeedsResponses = "OriginalNeedsResponses";
        public const string UploadFailed = "ImageUploadFailed";
        public const string AttachFailed = "AssistantImageFailed";
        public const string FileRequestFailed = "FileRequestFailed";
        public const string InvalidImageInput = "InvalidImageInput";
        public const string BatchRequestFailed = "BatchRequestFailed";
        public const string BatchRequestTooLarge = "BatchRequestTooLarge";
        public const string BatchRecordFailed = "BatchRecordFailed";
        public const string BatchRecordNotFound = "BatchRecordNotFound";
        public const string BatchNotFinished = "BatchNotFinished";
        public const string BatchWaitTimedOut = "BatchWaitTimedOut";
        public const string BatchFailed = "BatchFailed";
        public const string BatchRequestNotRun = "BatchRequestNotRun";
        public const string InvalidBaseUri = "InvalidBaseUri";
        public const string InvalidJsonSchema = "InvalidJsonSchema";
        public const string SettingsSaveFailed = "SettingsSaveFailed";
        public const string ImageExportFailed = "ImageExportFailed";
        public const string ImageHasNoBytes = "ImageHasNoBytes";
        public const string PdfEncrypted = "PdfEncrypted";
        public const string PdfTooManyPages = "PdfTooManyPages";
        public const string PdfTooLarge = "PdfTooLarge";
        public const string PdfDamaged = "PdfDamaged";
        public const string PdfPageNotAScan = "PdfPageNotAScan";
        public const string PdfNotAccepted = "PdfNotAccepted";
        public const string ClipboardHasNoImage = "ClipboardHasNoImage";
        public const string ClipboardUnavailable = "ClipboardUnavailable";
        public const string ResponseUnreadable = "ResponseUnreadable";
        public const string BatchLineUnreadable = "BatchLineUnreadable";
        public const string FileNotDeleted = "FileNotDeleted";
        public const string InvalidFolderSetting = "InvalidFolderSetting";
        public const string InvalidProxy = "InvalidProxy";
        public const string InvalidApiKey = "InvalidApiKey";
        public const string InvalidModelName = "InvalidModelName";
        public const string IncompleteAzureSettings = "IncompleteAzureSettings";

        /// <summary>
        /// The record for an image that could not be prepared, with the id its reason maps to; <paramref name="readOnly"/>
        /// for a command that only reads the file (Get-VisionImageInfo), whose text says what preparing does with it.
        /// </summary>
        public static ErrorRecord ForImage(Core.Imaging.ImageProcessingException ex, object target, bool readOnly = false)
        {
            if (readOnly)
            {
                ex = ex.AsReadOnly();
            }
            (string id, ErrorCategory category) = ex.Reason switch
            {
                Core.Imaging.ImageErrorReason.NotAnImage => (UnsupportedImageFormat, ErrorCategory.InvalidData),
                Core.Imaging.ImageErrorReason.UnsupportedFormat => (UnsupportedImageFormat, ErrorCategory.InvalidData),
                Core.Imaging.ImageErrorReason.TooLarge => (ImageTooLarge, ErrorCategory.LimitsExceeded),
                Core.Imaging.ImageErrorReason.Damaged => (ImageDamaged, ErrorCategory.InvalidData),
                _ => (ImageDecodeFailed, ErrorCategory.InvalidData),
            };
            ErrorRecord record = Create(ex, id, category, target, ex.Message);
            if (ex.Reason == Core.Imaging.ImageErrorReason.Damaged)
            {
                // -AllowPartial only where some part of the image decodes (otherwise it is refused with it too).
                record.ErrorDetails.RecommendedAction = !ex.PartOfItDecodes ? "Copy or export the file again."
                    : readOnly ? "Copy or export the file again, or add -AllowPartial to ConvertTo-VisionImage or Send-VisionChat to send the " +
                      "part that decodes (re-encoded; Get-VisionImageInfo -AllowPartial shows its WouldPassThrough False)."
                    : "Copy or export the file again, or add -AllowPartial to send the part that decodes.";
            }
            return record;
        }

        /// <summary>
        /// The record for a request the service would refuse for its size (an image over 20 MB, or over 50 MB in all;
        /// nothing was sent or uploaded): its target is the input over the limit, or the inputs of the request.
        /// </summary>
        public static ErrorRecord ForRequestSize(Core.Asking.RequestTooLargeException ex)
        {
            object target = ex.Sources.Count == 1 ? ex.Sources[0] : ex.Sources.ToArray();
            ErrorRecord record = Create(ex, RequestTooLarge, ErrorCategory.LimitsExceeded, target, ex.Message);
            record.ErrorDetails.RecommendedAction = ex.Advice;
            return record;
        }

        /// <summary>The record for a PDF that failed the local check, with the id its problem maps to.</summary>
        public static ErrorRecord ForPdf(Core.Documents.PdfCheckException ex, object target)
        {
            (string id, ErrorCategory category) = ex.Problem switch
            {
                Core.Documents.PdfProblem.Encrypted => (PdfEncrypted, ErrorCategory.SecurityError),
                Core.Documents.PdfProblem.TooManyPages => (PdfTooManyPages, ErrorCategory.LimitsExceeded),
                Core.Documents.PdfProblem.TooLarge => (PdfTooLarge, ErrorCategory.LimitsExceeded),
                Core.Documents.PdfProblem.NotAScan => (PdfPageNotAScan, ErrorCategory.InvalidData),
                Core.Documents.PdfProblem.NotAPdf => (UnsupportedImageFormat, ErrorCategory.InvalidData),
                _ => (PdfDamaged, ErrorCategory.InvalidData),
            };
            return Create(ex, id, category, target, ex.Message);
        }

        /// <summary>
        /// The codec's own words behind an image error (ImageMagick's raw message, with its temporary file name and
        /// source location), for the debug stream; null for other errors. The error message itself stays in VisionPS's words.
        /// </summary>
        public static string? CodecDebugText(ErrorRecord record)
        {
            return record.Exception is Core.Imaging.ImageProcessingException ex && ex.Data["MagickMessage"] is string raw && raw.Length > 0
                ? $"{ex.SourceName}: the decoder (ImageMagick) said: {raw}"
                : null;
        }

        /// <summary>
        /// The record for a request that failed or whose answer could not be read (id ResponseUnreadable; the raw
        /// answer goes to <paramref name="debug"/>), its message naming <paramref name="target"/>; a plain failure names it
        /// only when <paramref name="oneOfMany"/> (one request of a -PerImage run: which image's request failed).
        /// </summary>
        public static ErrorRecord ForAnswer(Core.OpenAI.OpenAIRequestException ex, string id, string target, Action<string> debug, bool oneOfMany = false)
        {
            if (ex.PartialText is string partial)
            {
                // A stream that broke off with an error: the TargetObject stays the file (scripts use it as such); the
                // text streamed before it (paid for) is on the exception.
                ErrorRecord broken = ForRequest(ex, id, target, $"'{target}': {ex.Message}");
                broken.ErrorDetails.RecommendedAction = (ex.Hint is null ? "" : ex.Hint + " ")
                    + $"The {partial.Length} characters streamed before the error are in the error's Exception.PartialText.";
                return broken;
            }
            if (!ex.IsUnreadable)
            {
                return ForRequest(ex, id, target, oneOfMany ? $"'{target}': {ex.Message}" : ex.Message);
            }
            debug($"{target}: the raw answer (HTTP {ex.Status}): {ex.RawBody}");
            return ForRequest(ex, ResponseUnreadable, target, $"'{target}': {ex.Message}");
        }

        /// <summary>
        /// ImageUploadFailed for the upload of <paramref name="source"/> (one of several, so its message names the file
        /// first); <paramref name="consequence"/> says what that means for the run, e.g. " (it is left out of the message)".
        /// </summary>
        public static ErrorRecord ForUpload(Core.OpenAI.OpenAIRequestException ex, string source, string consequence = "")
            => ForRequest(ex, UploadFailed, source, $"'{source}' could not be uploaded{consequence}: {ex.Message}");

        /// <summary>The record for a failed request: the server's message plus the hint for known traps.</summary>
        public static ErrorRecord ForRequest(Core.OpenAI.OpenAIRequestException ex, string id, object? target)
            => ForRequest(ex, id, target, ex.Message);

        /// <summary>The record for a failed request, its message naming what it was about (e.g. the image file).</summary>
        public static ErrorRecord ForRequest(Core.OpenAI.OpenAIRequestException ex, string id, object? target, string message)
        {
            ErrorCategory category = ex.Status switch
            {
                401 or 403 => ErrorCategory.AuthenticationError,
                404 => ErrorCategory.ObjectNotFound,
                429 => ErrorCategory.LimitsExceeded,
                400 or 413 or 415 or 422 => ErrorCategory.InvalidArgument,
                0 => ErrorCategory.ConnectionError,
                _ => ErrorCategory.InvalidResult,
            };
            var record = Create(ex, id, category, target, message);
            if (ex.Hint != null)
            {
                record.ErrorDetails.RecommendedAction = ex.Hint;
            }
            return record;
        }

        /// <summary>
        /// An error record whose message is <paramref name="message"/> (naming the file and the problem). An exception made
        /// only for the record carries the same message: a script's catch block logs <c>$_.Exception.Message</c>.
        /// </summary>
        public static ErrorRecord Create(Exception ex, string id, ErrorCategory category, object? target, string message)
        {
            return new ErrorRecord(ex, id, category, target)
            {
                ErrorDetails = new ErrorDetails(message),
            };
        }
    }
}
