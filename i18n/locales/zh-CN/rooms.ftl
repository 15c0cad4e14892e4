# 房间列表（左栏）：房间、新建房间、保护昵称、通知。

rooms-nav = 房间
rooms-heading-public = 房间
rooms-heading-private = 私密房间
rooms-heading-direct = 私信
rooms-private-name = { $name }（私密）
rooms-label-separator = ，
rooms-label-unread = { $count } 条未读
rooms-label-unread-capped = { $count }+ 条未读
rooms-label-mentions = { $count } 次提及

rooms-new = 新建房间
# 房间名只能用英文字母、数字、“-”和“_”。
rooms-new-placeholder = 例如 book-club
rooms-create = 创建
rooms-new-private = 私密：仅限我邀请的人

rooms-protect-section = 你的昵称
rooms-protected = 🔒 你的昵称已受保护。
rooms-protect = 为昵称设置密码保护
rooms-protect-placeholder = 密码（至少 8 个字符）
rooms-protect-submit = 设置密码

rooms-notify = 有人提及我时通知我
