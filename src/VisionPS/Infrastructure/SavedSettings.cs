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
        public static LoadProblem? LoadInto(VisionDefaults defaults)
        {
            string path = FilePath;
            if (Directory.Exists(path))
            {
                return new LoadProblem($"The saved VisionPS settings '{path}' are a folder, not a file, so no saved setting is used. Move or delete that folder; Set-VisionDefault -Save then writes the file.");
            }
            if (!File.Exists(path))
            {
                return null;
            }
            try
            {
                JsonObject? root = JsonNode.Parse(LocalFiles.Text(LocalFiles.ReadShared(path))) as JsonObject
                    ?? throw new JsonException("the file is not a JSON object");
                // A value Set-VisionDefault would refuse (hand-edited, or written by another version) costs only that
                // setting: it is named in the warning, and the settings saved beside it still apply.
                var skipped = new List<string>();
                var reasons = new List<string>();
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
                    catch (Exception ex) when (ex is ArgumentException || ex is FormatException || ex is InvalidOperationException)
                    {
                        skipped.Add(entry.Key);
                        reasons.Add(Core.MessageText.Clause(ex is ArgumentException argument ? Core.MessageText.WithoutParamName(argument) : ex.Message));
                        continue;
                    }
                    defaults.MarkSaved(entry.Key);
                }
                return skipped.Count == 0 ? null : new LoadProblem(path, skipped, reasons);
            }
            catch (Exception ex) when (ex is JsonException || ex is ArgumentException || ex is IOException || ex is UnauthorizedAccessException || ex is FormatException || ex is InvalidOperationException || ex is UriFormatException)
            {
                return new LoadProblem($"The saved VisionPS settings in '{path}' could not be read ({Problem(ex)}); they are ignored, so the endpoint, model and folders saved there are not used. Fix or delete the file, or run Set-VisionDefault -Reset -Save.");
            }
        }

        /// <summary>
        /// What was wrong with the saved settings when the session read them: the whole file, or some values left out.
        /// A value left out stops being named once Set-VisionDefault -Save has replaced it in the file.
        /// </summary>
        internal sealed class LoadProblem
        {
            private readonly string? _whole;
            private readonly string _path = string.Empty;
            private readonly List<string> _names = new List<string>();
            private readonly List<string> _reasons = new List<string>();

            /// <summary>The whole file is not used (a folder, not JSON).</summary>
            public LoadProblem(string whole) => _whole = whole;

            /// <summary>The values <paramref name="names"/> of <paramref name="path"/> are not used, each for its reason.</summary>
            public LoadProblem(string path, List<string> names, List<string> reasons)
            {
                _path = path;
                _names = names;
                _reasons = reasons;
            }

            /// <summary>The problem left once the settings <paramref name="saved"/> were written to the file anew; null when none is.</summary>
            public LoadProblem? Without(IEnumerable<string> saved)
            {
                if (_whole is not null)
                {
                    return this;
                }
                var names = new List<string>();
                var reasons = new List<string>();
                var fixedNow = new HashSet<string>(saved, StringComparer.OrdinalIgnoreCase);
                for (int i = 0; i < _names.Count; i++)
                {
                    if (!fixedNow.Contains(_names[i]))
                    {
                        names.Add(_names[i]);
                        reasons.Add(_reasons[i]);
                    }
                }
                return names.Count == 0 ? null : new LoadProblem(_path, names, reasons);
            }

            /// <summary>The warning.</summary>
            public override string ToString()
            {
                if (_whole is not null)
                {
                    return _whole;
                }
                bool one = _names.Count == 1;
                string parameters = string.Join(", ", _names.ConvertAll(n => "-" + (n == "CacheMaxBytes" ? "CacheMaxMB" : n)));
                return $"The saved {string.Join(", ", _names)} in '{_path}' {(one ? "is" : "are")} not used ({string.Join("; ", _reasons)}); the other saved settings are. "
                    + $"Fix {(one ? "it" : "them")} with Set-VisionDefault {parameters} ... -Save, or edit the file.";
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
            ThrowIfFolder();
            // Read, changed and written under the file's lock: a session saving other settings at the same time (another
            // window) waits, so neither overwrites the other's change with the file as it read it.
            LocalFiles.Update(FilePath, current =>
            {
                JsonObject root = current is not null && JsonNode.Parse(LocalFiles.Text(current)) is JsonObject existing ? existing : new JsonObject();
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
            defaults.ForgetLoadProblem(saved); // a value left out at load, now replaced in the file, is no longer named
        }

        /// <summary>A folder where the settings file should be: nothing can be saved or deleted, and the message says why (not 'Is a directory').</summary>
        private static void ThrowIfFolder()
        {
            if (Directory.Exists(FilePath))
            {
                throw new SettingsFolderException($"'{FilePath}' is a folder, not a file. Move or delete that folder (VisionPS never deletes a folder), then try again");
            }
        }

        /// <summary>The settings file's path is a folder.</summary>
        internal sealed class SettingsFolderException : IOException
        {
            public SettingsFolderException(string message)
                : base(message)
            {
            }
        }

        /// <summary>Deletes the file (Set-VisionDefault -Reset -Save); false when there was none.</summary>
        public static bool Clear(System.Threading.CancellationToken cancellationToken = default)
        {
            ThrowIfFolder();
            if (!File.Exists(FilePath))
            {
                return false;
            }
            LocalFiles.Update(FilePath, _ => null, cancellationToken: cancellationToken); // under the lock: never between another session's read and write
            return true;
        }

        /// <summary>The bounds Set-VisionDefault and every cmdlet take; a saved value outside them is not used.</summary>
        public const int MaxRetriesLimit = 20;

        /// <summary>The longest -TimeoutSec, in seconds.</summary>
        public const int TimeoutSecLimit = 3600;

        /// <summary>The largest -CacheMaxMB.</summary>
        public const int CacheMaxMBLimit = 1048576;

        /// <summary>The smallest -CacheMaxMB (1 MiB; the saved CacheMaxBytes is in bytes).</summary>
        public const int CacheMaxMBMin = 1;

        private const long MiB = 1024L * 1024L;

        /// <summary>An Azure OpenAI endpoint as -AzureEndpoint and the saved AzureEndpoint take it: an absolute http(s) URI.</summary>
        /// <exception cref="ArgumentException">It is not; the message names <paramref name="source"/> and the value (without a password).</exception>
        public static Uri ParseAzureEndpoint(string text, string source)
            => Core.OpenAI.VisionConnection.ParseBaseUri(text, source, "https://NAME.openai.azure.com", "Add the scheme: https://.");

        /// <summary>One image detail by its name (Auto, Low, High, Original; any case): not a number, nor a list such as "Low, High".</summary>
        public static bool TryParseDetail(string text, out Core.ImageDetail detail)
        {
            foreach (string name in Enum.GetNames(typeof(Core.ImageDetail)))
            {
                if (string.Equals(text.Trim(), name, StringComparison.OrdinalIgnoreCase))
                {
                    detail = (Core.ImageDetail)Enum.Parse(typeof(Core.ImageDetail), name);
                    return true;
                }
            }
            detail = default;
            return false;
        }

        /// <summary>Why <paramref name="path"/> cannot be a cache or batch folder (a character no path holds, an existing file); null when it can.</summary>
        public static string? FolderProblem(string path)
            => path.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || path.IndexOf('\0') >= 0 ? "it holds a character no path may hold"
            // A link to a folder is a folder; one to nothing (or to a file) was refused as "is a file".
            : !Directory.Exists(path) && LinkTarget(path) is string target
                ? (File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? string.Empty, target))
                    ? $"'{path}' is a link to '{target}', which is a file, not a folder"
                    : $"'{path}' is a link to '{target}', which does not exist: create that folder first, or give the folder itself")
            : File.Exists(path) ? $"'{path}' is a file, not a folder"
            : null;

        /// <summary>Where <paramref name="path"/> links to when it is a symbolic link (a junction too on Windows), else null.</summary>
        private static string? LinkTarget(string path)
        {
#if NET
            try
            {
                return new FileInfo(path).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                return null;
            }
#else
            return null; // .NET Framework cannot read a link's target (Windows PowerShell 5.1)
#endif
        }

        private static readonly string[] s_proxySchemes = { "http", "https", "socks4", "socks4a", "socks5" };

        /// <summary>Whether <paramref name="proxy"/> is a proxy the HTTP stack can use: absolute, http(s) or socks.</summary>
        public static bool IsUsableProxy(Uri proxy) => proxy.IsAbsoluteUri && Array.IndexOf(s_proxySchemes, proxy.Scheme) >= 0;

        /// <summary>Applies one saved value, checked as Set-VisionDefault checks it; throws, in the user's words, when it cannot be used.</summary>
        private static void Apply(VisionDefaults d, string name, JsonNode value)
        {
            string Text(bool blankAllowed = false) // the model names its own problem with a blank name
            {
                if (value is JsonValue v && v.TryGetValue(out string? text) && text is not null && (blankAllowed || !string.IsNullOrWhiteSpace(text)))
                {
                    return text!;
                }
                throw new FormatException($"{name} is {Shown()}: give a non-empty text value in quotes");
            }
            long Number(long min, long max)
            {
                if (value is JsonValue v && v.TryGetValue(out long number) && number >= min && number <= max)
                {
                    return number;
                }
                throw new FormatException($"{name} is {Shown()}: give a whole number from {min} to {max}");
            }
            string Folder()
            {
                string path = Text();
                return FolderProblem(path) is string problem ? throw new FormatException($"{name} is {Shown()}: {problem}") : path;
            }
            string Shown()
            {
                string json = Core.OpenAI.UriText.ValueWithoutUserInfo(value.ToJsonString()); // a proxy's or endpoint's password is never shown
                return json.Length > 40 ? json.Substring(0, 40) + "..." : json;
            }
            switch (name)
            {
                case "BaseUri": d.ConfiguredBaseUri = Core.OpenAI.VisionConnection.ParseBaseUri(Text(), "BaseUri"); break;
                case "Model": d.Model = Core.OpenAI.ModelName.Normalize(Text(blankAllowed: true), "Model", spacesAllowed: true); break; // a space is checked where it is sent
                case "Detail":
                    if (!TryParseDetail(Text(), out Core.ImageDetail detail))
                    {
                        throw new FormatException($"Detail is {Shown()}: give Auto, Low, High or Original");
                    }
                    d.Detail = detail;
                    break;
                case "AzureEndpoint":
                    try
                    {
                        d.AzureEndpoint = ParseAzureEndpoint(Text(), "AzureEndpoint");
                    }
                    catch (ArgumentException)
                    {
                        throw new FormatException($"AzureEndpoint is {Shown()}: give an https:// URI such as https://NAME.openai.azure.com");
                    }
                    break;
                case "AzureDeployment": d.AzureDeployment = Text(); break;
                case "AzureApiVersion": d.AzureApiVersion = Text(); break;
                case "MaxRetries": d.MaxRetries = (int)Number(0, MaxRetriesLimit); break;
                case "Proxy":
                    d.Proxy = Uri.TryCreate(Text(), UriKind.Absolute, out Uri? proxy) && IsUsableProxy(proxy)
                        ? proxy
                        : throw new FormatException($"Proxy is {Shown()}: give an absolute http://, https://, socks4://, socks4a:// or socks5:// URI");
                    break;
                case "TimeoutSec": d.TimeoutSec = (int)Number(1, TimeoutSecLimit); break;
                case "CachePath": d.CachePath = Folder(); break;
                case "CacheExpiry":
                    d.CacheExpiry = TimeSpan.TryParse(Text(), CultureInfo.InvariantCulture, out TimeSpan expiry) && expiry >= TimeSpan.FromSeconds(1)
                        ? expiry
                        : throw new FormatException($"CacheExpiry is {Shown()}: give a time span of at least a second, such as \"30.00:00:00\"");
                    break;
                case "CacheMaxBytes": d.CacheMaxBytes = Number(CacheMaxMBMin * MiB, CacheMaxMBLimit * MiB); break; // -CacheMaxMB's bounds, in bytes
                case "BatchPath": d.BatchPath = Folder(); break;
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
