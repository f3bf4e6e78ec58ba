using System;
using System.Collections.Generic;
using System.Management.Automation;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// A server other than OpenAI and Azure OpenAI refusing the file parts of a request that carries PDFs with a known
    /// refusal (Ollama: 400 "invalid message format"; llama.cpp: 500 "unsupported content[].type"): those servers take
    /// images only, and "the OpenAI request failed: invalid message format" does not tell the user which file or why.
    /// The same for every cmdlet that sends PDFs in a request's content (Send-VisionChat's question, Add-AssistantImage's message).
    /// </summary>
    internal static class PdfRefusal
    {
        /// <summary>
        /// The messages with which servers that take images only refuse a file (PDF) content part. Only these say the PDF
        /// was the problem; any other failure of a request carrying PDFs (a 500 after the retries ran out, a gateway's
        /// "unknown model", an unrelated bad request) stays the cmdlet's own request error.
        /// Ollama's OpenAI layer (openai/openai.go, fromChatRequest, any part but text and image_url): "invalid message format".
        /// llama.cpp's server (utils.hpp, oaicompat_chat_params_parse): "unsupported content[].type".
        /// </summary>
        private static readonly string[] FileRefusals = { "invalid message format", "unsupported content[].type" };

        /// <summary>Whether the server's message is one of the known refusals of file content parts.</summary>
        internal static bool RefusesFileParts(string? serverMessage)
        {
            if (string.IsNullOrEmpty(serverMessage))
            {
                return false;
            }
            foreach (string refusal in FileRefusals)
            {
                if (serverMessage!.IndexOf(refusal, StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>Whether PDFs sent to <paramref name="connection"/> may meet such a refusal: a server other than OpenAI and Azure OpenAI.</summary>
        internal static bool OtherServer(VisionConnection connection) => !UrlImages.ServiceFetchesUrls(connection.BaseUri, connection.Azure is not null);

        /// <summary>
        /// PdfNotAccepted for <paramref name="ex"/>, the failure of a request carrying the PDFs <paramref name="pdfs"/>
        /// (their sources) to <paramref name="connection"/>, when it is a known refusal of file parts; null otherwise.
        /// <paramref name="cmdlet"/> is named in the advice. The exception carries the record's message (a catch block
        /// logs it), the server's error inside it.
        /// </summary>
        internal static ErrorRecord? For(OpenAIRequestException ex, IReadOnlyCollection<string> pdfs, VisionConnection connection, string target, string cmdlet)
        {
            if (pdfs.Count == 0 || ex.PartialText is not null || ex.Status is not (400 or 415 or 422 or 500 or 501)
                || !RefusesFileParts(ex.ServerMessage) || !OtherServer(connection))
            {
                return null;
            }
            var quoted = new List<string>();
            foreach (string pdf in pdfs)
            {
                quoted.Add("'" + pdf + "'");
            }
            string which = quoted.Count == 1 ? "the PDF " + quoted[0] : "the PDFs " + string.Join(", ", quoted);
            string message = $"{UriText.Shown(connection.BaseUri)} refused the request carrying {which} (HTTP {ex.Status}: {Core.MessageText.Clause(ex.ServerMessage)}): " +
                "this server does not take PDF files, as most servers other than OpenAI and Azure OpenAI (Ollama, LM Studio, llama.cpp) take " +
                $"images only. Send a scanned PDF's pages as images (ConvertTo-VisionImage scan.pdf | {cmdlet} ...), or ask an OpenAI endpoint.";
            ErrorCategory category = ErrorIds.ForRequest(ex, ErrorIds.PdfNotAccepted, target, message).CategoryInfo.Category;
            ErrorRecord record = ErrorIds.Create(new InvalidOperationException(message, ex), ErrorIds.PdfNotAccepted, category, target, message);
            record.ErrorDetails.RecommendedAction = "Send the pages as images (ConvertTo-VisionImage FILE.pdf), or use -BaseUri of a service that takes PDF files.";
            return record;
        }
    }
}
