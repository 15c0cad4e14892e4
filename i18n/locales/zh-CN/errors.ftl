# Errors: what the server refused and why. In English the app shows the server's own
# sentence for a refusal (it is more specific); these texts are what other languages show,
# one per error code of the live protocol (error-<code>), plus the web pages' own errors.

## One per protocol error code.
error-bad-frame = 服务器无法读取该请求。
error-no-nickname = 请先选择一个昵称。
error-invalid-nickname = 昵称须为 1 到 { $max } 个字符，且不能包含控制字符。
error-invalid-room = 房间名须为 1 到 { $max } 个字符：英文字母、数字、“-”和“_”；以“dm-”开头的名称保留给私信使用。
error-room-exists = 已有同名房间。
error-unknown-room = 没有这个房间。
error-unknown-person = 找不到使用该昵称的人。
error-not-allowed = 你无权执行此操作。
error-empty-message = 消息不能为空。
error-message-too-long = 消息最多只能有 { $max } 个字符。
error-not-joined = 请先加入该房间。
error-nickname-taken = 该昵称已被占用。如果这是你的昵称并设有密码，请输入密码。
error-wrong-password = 该昵称的密码错误。
error-too-many-attempts = 该昵称的密码尝试次数过多，请等一分钟后再试。
error-invalid-client-id = 消息标识无效或已被使用。
error-store-unavailable = 暂时无法完成此操作，请稍后再试。
error-rate-limited = 操作过于频繁，请慢一点。
error-unknown-message = 该消息不存在（或已被删除）。
error-invalid-emoji = 回应只能是一个表情符号。
error-too-many-reactions = 每条消息最多只能有 { $max } 种不同的回应。
error-invalid-query = 请输入要搜索的词（最多 { $max } 个字符）。
error-unknown-upload = 无法发送该文件：它不属于你、已发送过或已不存在（每条消息最多 { $max } 个文件）。

## The web pages' own errors.
error-not-found = 未找到。
error-transport = 无法连接服务器，请重试。
error-engine-down = 聊天引擎未运行。
error-history-unavailable = 历史记录暂时不可用，请稍后刷新页面。
error-server-busy = 服务器暂时无法完成此操作，请重试。
error-not-author = 只有作者本人可以编辑或删除消息。
error-password-too-short = 密码至少需要 { $min } 个字符。
error-nickname-before-creating-rooms = 创建房间前请先选择昵称。
error-nickname-before-messaging = 发送私信前请先选择昵称。
error-nickname-before-inviting = 邀请他人前请先选择昵称。
error-nickname-before-changing-members = 更改成员前请先选择昵称。
error-nickname-before-posting = 发消息前请先选择昵称。
error-nickname-before-changing-messages = 修改消息前请先选择昵称。
error-nickname-before-reacting = 添加回应前请先选择昵称。

# The language menu was sent a language the site does not have.
language-unknown = 不支持该语言。
