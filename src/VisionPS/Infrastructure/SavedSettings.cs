using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionPS.Core;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// The per-user settings file written by <c>Set-VisionDefault -Save</c> and read when a session first uses
    /// VisionPS: endpoint, model, Azure settings, retries, timeout, proxy, cache and batch folders, as JSON. The API
    /// key is never written to it (it stays in the session, OPENAI_API_KEY or a secret vault). The folder is
    /// <c>VISIONPS_CONFIG</c> if set; else Windows <c>%APPDATA%\VisionPS</c>, macOS
    /// <c>~/Library/Application Support/VisionPS</c>, Linux <c>$XDG_CONFIG_HOME/VisionPS</c> (<c>~/.config/VisionPS</c>).
    /// </summary>
    internal static class SavedSettings
    {
        public const string FolderVariable = "VISIONPS_CONFIG";
        private const string FileName = "settings.json";

        /// <summary>The settings names the file may hold (never the key).</summary>
        public static readonly string[] Names =
        {
            "BaseUri", "Model", "Detail", "AzureEndpoint", "AzureDeployment", "AzureApiVersion", "MaxRetries", "Proxy", "TimeoutSec",
            "CachePath", "CacheExpiry", "CacheMaxBytes", "BatchPath",
        };

        /// <summary>The settings file: in <c>VISIONPS_CONFIG</c> when set, else in the per-OS config folder.</summary>
        public static string FilePath =>
            Path.Combine(LocalFiles.UserFolder(UserFolderKind.Config, string.Empty, FolderVariable), FileName);

        /// <summary>Applies the saved file to <paramref name="defaults"/>; returns a problem to report, or null.</summary>
        public static string? LoadInto(VisionDefaults defaults)
        {
            string path = FilePath;
            if (!File.Exists(path))
            {
                return null;
            }
            try
            {
                JsonObject? root = JsonNode.Parse(Text(LocalFiles.ReadShared(path))) as JsonObject
                    ?? throw new JsonException("the file is not a JSON object");
                string? modelProblem = null;
                foreach (KeyValuePair<string, JsonNode?> entry in root)
                {
                    if (entry.Value is null || Array.IndexOf(Names, entry.Key) < 0)
                    {
                        continue;
                    }
                    try
                    {
                        Apply(defaults, entry.Key, entry.Value);
                    }
                    catch (ArgumentException ex) when (entry.Key == "Model")
                    {
                        // A model name that cannot be sent (blank, a control character) costs only the model: the
                        // endpoint and folders saved beside it still apply.
                        modelProblem = $"The saved Model in '{path}' is not used ({Core.MessageText.Clause(Core.MessageText.WithoutParamName(ex))}); the other saved settings are. Fix it with Set-VisionDefault -Model NAME -Save.";
                        continue;
                    }
                    defaults.MarkSaved(entry.Key);
                }
                return modelProblem;
            }
            catch (Exception ex) when (ex is JsonException || ex is ArgumentException || ex is IOException || ex is UnauthorizedAccessException || ex is FormatException || ex is InvalidOperationException || ex is UriFormatException)
            {
                return $"The saved VisionPS settings in '{path}' could not be read ({Problem(ex)}); they are ignored, so the endpoint, model and folders saved there are not used. Fix or delete the file, or run Set-VisionDefault -Reset -Save.";
            }
        }

        /// <summary>What is wrong with the file, in words: where its JSON breaks (1-based), not .NET's parser message.</summary>
        internal static string Problem(Exception ex) => ex switch
        {
            JsonException json when json.LineNumber is long line => $"it is not valid JSON at line {line + 1}, position {(json.BytePositionInLine ?? 0) + 1}",
            JsonException => "it is not valid JSON",
            _ => Core.MessageText.Clause(ex.Message),
        };

        /// <summary>Writes the given settings of <paramref name="defaults"/> into the file, keeping the others saved there.</summary>
        public static void Save(VisionDefaults defaults, IEnumerable<string> names, System.Threading.CancellationToken cancellationToken = default)
        {
            var saved = new List<string>();
            // Read, changed and written under the file's lock: a session saving other settings at the same time (another
            // window) waits, so neither overwrites the other's change with the file as it read it.
            LocalFiles.Update(FilePath, current =>
            {
                JsonObject root = current is not null && JsonNode.Parse(Text(current)) is JsonObject existing ? existing : new JsonObject();
                foreach (string name in names)
                {
                    JsonNode? value = Read(defaults, name);
                    if (value is null)
                    {
                        root.Remove(name);
                    }
                    else
                    {
                        root[name] = value;
                    }
                    saved.Add(name);
                }
                return new UTF8Encoding(false).GetBytes(root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }, cancellationToken: cancellationToken);
            foreach (string name in saved)
            {
                defaults.MarkSaved(name);
            }
        }

        /// <summary>The file's text as File.ReadAllText reads it (a byte order mark names the encoding, else UTF-8).</summary>
        private static string Text(byte[] bytes)
        {
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }

        /// <summary>Deletes the file (Set-VisionDefault -Reset -Save).</summary>
        public static void Clear(System.Threading.CancellationToken cancellationToken = default)
        {
            if (File.Exists(FilePath))
            {
                LocalFiles.Update(FilePath, _ => null, cancellationToken: cancellationToken); // under the lock: never between another session's read and write
            }
        }

        private static void Apply(VisionDefaults d, string name, JsonNode value)
        {
            string Text() => value.GetValue<string>();
            switch (name)
            {
                case "BaseUri": d.ConfiguredBaseUri = Core.OpenAI.VisionConnection.ParseBaseUri(Text(), $"BaseUri in {FilePath}"); break;
                case "Model": d.Model = Core.OpenAI.ModelName.Normalize(Text(), "Model", spacesAllowed: true); break; // a space is checked where it is sent
                case "Detail": d.Detail = (Core.ImageDetail)Enum.Parse(typeof(Core.ImageDetail), Text(), ignoreCase: true); break;
                case "AzureEndpoint": d.AzureEndpoint = new Uri(Text(), UriKind.Absolute); break;
                case "AzureDeployment": d.AzureDeployment = Text(); break;
                case "AzureApiVersion": d.AzureApiVersion = Text(); break;
                case "MaxRetries": d.MaxRetries = value.GetValue<int>(); break;
                case "Proxy": d.Proxy = new Uri(Text(), UriKind.Absolute); break;
                case "TimeoutSec": d.TimeoutSec = value.GetValue<int>(); break;
                case "CachePath": d.CachePath = Text(); break;
                case "CacheExpiry": d.CacheExpiry = TimeSpan.Parse(Text(), CultureInfo.InvariantCulture); break;
                case "CacheMaxBytes": d.CacheMaxBytes = value.GetValue<long>(); break;
                case "BatchPath": d.BatchPath = Text(); break;
            }
        }

        private static JsonNode? Read(VisionDefaults d, string name) => name switch
        {
            "BaseUri" => d.ConfiguredBaseUri is null ? null : JsonValue.Create(d.ConfiguredBaseUri.OriginalString),
            "Model" => d.Model is null ? null : JsonValue.Create(d.Model),
            "Detail" => d.Detail is Core.ImageDetail detail ? JsonValue.Create(detail.ToString()) : null,
            "AzureEndpoint" => d.AzureEndpoint is null ? null : JsonValue.Create(d.AzureEndpoint.OriginalString),
            "AzureDeployment" => d.AzureDeployment is null ? null : JsonValue.Create(d.AzureDeployment),
            "AzureApiVersion" => d.AzureApiVersion is null ? null : JsonValue.Create(d.AzureApiVersion),
            "MaxRetries" => d.MaxRetries is int r ? JsonValue.Create(r) : null,
            "Proxy" => d.Proxy is null ? null : JsonValue.Create(d.Proxy.OriginalString),
            "TimeoutSec" => d.TimeoutSec is int t ? JsonValue.Create(t) : null,
            "CachePath" => d.CachePath is null ? null : JsonValue.Create(d.CachePath),
            "CacheExpiry" => d.CacheExpiry is TimeSpan e ? JsonValue.Create(e.ToString("c", CultureInfo.InvariantCulture)) : null,
            "CacheMaxBytes" => d.CacheMaxBytes is long b ? JsonValue.Create(b) : null,
            "BatchPath" => d.BatchPath is null ? null : JsonValue.Create(d.BatchPath),
            _ => null,
        };

    }
}
